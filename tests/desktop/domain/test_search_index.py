"""The in-memory name index: accent/case-insensitive prefixes, recency order, live updates."""

from __future__ import annotations

from contracts.text import fold, search_terms, words
from desktop.domain.search_index import SearchIndex


def build() -> SearchIndex:
    index = SearchIndex()
    index.rebuild(
        [
            ("a", "Hélène", "Dupont", 10.0),
            ("b", "Marc", "Petit", 30.0),
            ("c", "Zoé", "Bernard", 20.0),
            ("d", "Jean", "Le Saint-Jean", 5.0),
            ("e", "Œdipe", "Müller", 1.0),
        ]
    )
    return index


def test_fold_and_words_follow_the_server_rules() -> None:
    assert fold("Hélène ŒUVRARD") == "helene oeuvrard"
    assert words("Le Saint-Jean d'Angély") == ["le", "saint", "jean", "d", "angely"]
    assert "saintjean" in search_terms("Saint-Jean")


def test_empty_query_lists_everything_most_recent_first() -> None:
    assert build().search("") == ["b", "c", "a", "d", "e"]


def test_prefix_accent_and_case_insensitive() -> None:
    index = build()
    assert index.search("hel") == ["a"]
    assert index.search("HÉLÈNE") == ["a"]
    assert index.search("zoe") == ["c"]
    assert index.search("oed") == ["e"]
    assert index.search("mull") == ["e"]


def test_every_word_must_prefix_a_name_word() -> None:
    index = build()
    assert index.search("dup hel") == ["a"]
    assert index.search("dup marc") == []
    assert index.search("saint jean") == ["d"]
    assert index.search("lesaintj") == ["d"]  # the joined form of the whole part, as on the server


def test_upsert_and_touch_keep_order_and_terms_current() -> None:
    index = build()
    index.touch("e", 100.0)
    assert index.search("")[0] == "e"
    index.upsert("f", "Hélène", "Martin", 50.0)
    assert index.search("helene") == ["f", "a"]
    index.upsert("a", "Hélène", "Durand", 60.0)  # renamed and newer
    assert index.search("dup") == []
    assert index.search("dur") == ["a"]
    assert index.search("hel") == ["a", "f"]
    assert len(index) == 6 and "f" in index


def test_large_match_sets_use_the_recency_order() -> None:
    index = SearchIndex()
    index.rebuild((f"id{i}", "Anne", f"Nom{i}", float(i)) for i in range(1000))
    found = index.search("an")
    assert len(found) == 1000
    assert found[:2] == ["id999", "id998"]
