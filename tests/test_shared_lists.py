"""Lists the desktop and the server each keep (they may not import each other) must agree."""

from __future__ import annotations

from desktop.domain import professions as desktop_lists
from desktop.domain.text import fold as desktop_fold
from server.domain import professions as server_lists
from server.domain.text import fold as server_fold


def test_professions_specialties_and_sectors_are_the_same_on_both_sides() -> None:
    # The desktop's sign-up form offers these; the server refuses anything else.
    assert desktop_lists.PROFESSIONS == server_lists.PROFESSIONS
    assert desktop_lists.SPECIALTIES == server_lists.SPECIALTIES
    assert desktop_lists.SECTORS == server_lists.SECTORS


def test_name_folding_is_the_same_on_both_sides() -> None:
    # The desktop's local search must find what the server's search finds.
    for name in ("Hélène Œuvrard", "Jean-Édouard d'Ornano", "Zoé ÆSØP", "Łukasz Đorđević", "Straße"):
        assert desktop_fold(name) == server_fold(name)
