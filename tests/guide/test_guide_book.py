"""The guide's writer: one section per step of the seed article, swapped in whole, compared on text."""

from __future__ import annotations

from pathlib import Path

from tests.guide.guide_book import STEPS, Guide, content, install


def make_guide(folder: Path, colour: bytes) -> Guide:
    guide = Guide(folder)
    guide.at("recherche")
    guide.image("recherche", "La recherche").write_bytes(colour)
    guide.at("teleconsultation")
    guide.image("appel", "L'appel").write_bytes(colour)
    return guide


def test_sections_follow_the_seed_article_and_images_sit_under_their_step(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    text = make_guide(tmp_path / "a", b"png-1").markdown()
    headings = [line[3:] for line in text.splitlines() if line.startswith("## ") and line != "## Sommaire"]
    assert headings == [s.title for s in STEPS]
    assert [h[:2] for h in headings[1:7]] == ["1)", "2)", "3)", "4)", "5)", "6)"]
    search, call = text.index("## 2)"), text.index("## 5)")
    assert search < text.index("images/01-recherche.png") < text.index("## 3)")
    assert call < text.index("images/02-appel.png") < text.index("## 6)")


def test_install_swaps_the_whole_folder_and_compares_modulo_image_bytes(tmp_path: Path) -> None:
    destination = tmp_path / "docs" / "guide"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    install(make_guide(tmp_path / "a", b"png-1"), destination)
    first = content(destination)
    (destination / "stale.txt").write_text("from an older guide")
    install(make_guide(tmp_path / "b", b"png-2-other-bytes"), destination)
    assert content(destination) == first  # same text and names, other bytes
    assert (destination / "images" / "01-recherche.png").read_bytes() == b"png-2-other-bytes"
    assert not (destination / "stale.txt").exists()  # replaced whole, not merged
    assert sorted(p.name for p in destination.parent.iterdir()) == ["guide"]  # no temporary left
    other = Guide(tmp_path / "b")
    other.at("recherche")
    other.image("recherche-bis", "Autre").write_bytes(b"x")
    install(other, destination)
    assert content(destination) != first
