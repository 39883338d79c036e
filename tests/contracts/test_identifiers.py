"""NIR and RPPS checks with valid and invalid vectors, Corsica included."""

from __future__ import annotations

import pytest

from contracts.identifiers import (
    am_number_problem,
    format_nir,
    is_valid_nir,
    is_valid_rpps,
    luhn_check_digit,
    nir_key,
    nir_problem,
    rpps_problem,
)


@pytest.mark.parametrize(
    "nir",
    [
        "295109912611193",  # python-stdnum doctest
        "2 95 10 99 126 111 93",  # same, with spaces
        "2 55 08 14 168 025 38",  # the worked example of the French Wikipedia article
        "253072A07300443",  # Corsica, Corse-du-Sud (python-stdnum doctest)
        "253072B07300470",  # Corsica, Haute-Corse (python-stdnum doctest)
        "2 53 07 2a 073 004 43",  # lower-case department is accepted
    ],
)
def test_valid_nir(nir: str) -> None:
    assert nir_problem(nir) is None
    assert is_valid_nir(nir)


@pytest.mark.parametrize(
    ("nir", "message"),
    [
        ("295109912611199", "La clé du NIR ne correspond pas : vérifiez chaque chiffre."),
        (
            "253072A07300470",
            "La clé du NIR ne correspond pas : vérifiez chaque chiffre.",
        ),  # 2B's key on a 2A NIR
        (
            "253072C07300443",
            "Le NIR ne doit contenir que des chiffres, sauf 2A ou 2B pour un département de Corse.",
        ),
        ("6546546546546703", "Le NIR doit compter 15 caractères (13 et une clé de 2 chiffres) ; 16 saisis."),
        ("2951099126111", "Le NIR doit compter 15 caractères (13 et une clé de 2 chiffres) ; 13 saisis."),
        ("595109912611193", "Le NIR doit commencer par 1 ou 2 (ou 3, 4, 7, 8 pour un numéro provisoire)."),
        ("295139912611193", "Le mois de naissance du NIR (« 13 ») n’existe pas."),
        ("", "Le NIR est obligatoire."),
    ],
)
def test_invalid_nir(nir: str, message: str) -> None:
    assert nir_problem(nir) == message


def test_corsica_key_uses_19_for_2a_and_18_for_2b() -> None:
    assert nir_key("253072A073004") == "43"
    assert nir_key("253071907300 4") == "43"  # 2A computes as 19
    assert nir_key("253072B073004") == "70"
    assert nir_key("2530718073004") == "70"  # 2B computes as 18


def test_format_nir() -> None:
    assert format_nir("295109912611193") == "2 95 10 99 126 111 93"


@pytest.mark.parametrize("rpps", ["79927398713", "10000000009", "1000 0000 009"])
def test_valid_rpps(rpps: str) -> None:
    assert rpps_problem(rpps) is None
    assert is_valid_rpps(rpps)


@pytest.mark.parametrize(
    ("rpps", "message"),
    [
        (
            "79927398710",
            "Le numéro RPPS est invalide (clé de contrôle incorrecte) : vérifiez chaque chiffre.",
        ),
        (
            "79927398731",
            "Le numéro RPPS est invalide (clé de contrôle incorrecte) : vérifiez chaque chiffre.",
        ),
        ("7992739871", "Le numéro RPPS compte 11 chiffres ; 10 saisis."),
        ("7992739871A", "Le numéro RPPS ne contient que des chiffres."),
        ("", "Le numéro RPPS est obligatoire."),
    ],
)
def test_invalid_rpps(rpps: str, message: str) -> None:
    assert rpps_problem(rpps) == message


def test_luhn_check_digit_of_the_reference_example() -> None:
    assert luhn_check_digit("7992739871") == "3"


def test_am_number_shape() -> None:
    assert am_number_problem("751234567") is None
    assert am_number_problem("2A1234567") is None
    assert (
        am_number_problem("75123456")
        == "Le numéro AM compte 9 caractères : 2 pour le département, puis 7 chiffres."
    )
