"""Property tests of the shared validators (issue 11, §5): NIR, RPPS, the input policy, names, money.

Each validator either accepts a value or answers its documented French refusal, for any input; it
accepts every valid value generated here, and what it normalises stays the same when normalised
again. Bounded (`TELECONSULT_FUZZ_EXAMPLES` × 60 examples each, 180 by default) to stay fast in
`make test`; `make fuzz` runs more.
"""

from __future__ import annotations

import os
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from contracts.billing.document import Money
from contracts.identifiers import (
    compact,
    format_nir,
    luhn_check_digit,
    nir_key,
    nir_problem,
    normalize_rpps,
    rpps_problem,
)
from contracts.text import clean_name
from contracts.wire.common import text_problem

EXAMPLES = int(os.environ.get("TELECONSULT_FUZZ_EXAMPLES", "3")) * 60
DEEP = EXAMPLES > 600
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=not DEEP,
    suppress_health_check=[HealthCheck.too_slow],
)

# Whatever a user may type or paste: any code point, separators, digits, Corsica's letters.
ANY_TEXT = st.one_of(
    st.text(),
    st.text(alphabet=st.sampled_from("0123456789 .-ABab\u00a0\u202f\t\x00"), max_size=24),
)
SEPARATOR = st.sampled_from(["", " ", ".", "-", "\u00a0", "\u202f"])


@st.composite
def nir_bodies(draw: st.DrawFn) -> str:
    """The 13 first characters of a well-formed NIR (sex, year, month, department, commune, order)."""
    sex = draw(st.sampled_from("123478"))
    year = f"{draw(st.integers(0, 99)):02d}"
    month = f"{draw(st.sampled_from([*range(1, 13), *range(20, 43), *range(50, 100)])):02d}"
    department = draw(st.one_of(st.integers(0, 99).map(lambda n: f"{n:02d}"), st.sampled_from(["2A", "2B"])))
    rest = f"{draw(st.integers(0, 999_999)):06d}"
    return sex + year + month + department + rest


def spaced(draw: st.DrawFn, value: str) -> str:
    """`value` with a separator (or none) drawn after each character, as people write numbers."""
    return "".join(ch + draw(SEPARATOR) for ch in value)


# ---------------------------------------------------------------- NIR
@PROPERTY
@given(st.data(), nir_bodies())
def test_every_valid_nir_is_accepted_however_it_is_spaced(data: st.DataObject, body: str) -> None:
    nir = body + nir_key(body)
    written = spaced(data.draw, nir)
    assert nir_problem(written) is None
    assert nir_problem(written.lower()) is None  # « 2a » is Corsica too
    assert compact(format_nir(written)) == nir  # formatting round-trips
    assert format_nir(format_nir(written)) == format_nir(written)


@PROPERTY
@given(nir_bodies(), st.integers(0, 99))
def test_a_wrong_key_is_refused(body: str, key: int) -> None:
    if f"{key:02d}" == nir_key(body):
        return
    problem = nir_problem(body + f"{key:02d}")
    assert problem is not None and "clé" in problem


@PROPERTY
@given(ANY_TEXT)
def test_nir_check_never_raises(value: str) -> None:
    problem = nir_problem(value)
    assert problem is None or (isinstance(problem, str) and problem.startswith(("Le ", "La ")))
    if problem is None:
        assert len(compact(value)) == 15


@PROPERTY
@given(ANY_TEXT)
def test_nir_key_raises_only_its_french_value_error(value: str) -> None:
    try:
        key = nir_key(value)
    except ValueError as refused:
        assert str(refused).startswith("Le NIR")
    else:
        assert len(key) == 2 and key.isdigit()


# ---------------------------------------------------------------- RPPS
@PROPERTY
@given(st.data(), st.integers(0, 10**10 - 1))
def test_every_rpps_with_its_luhn_key_is_accepted(data: st.DataObject, n: int) -> None:
    payload = f"{n:010d}"
    rpps = payload + luhn_check_digit(payload)
    written = spaced(data.draw, rpps)
    assert rpps_problem(written) is None
    assert normalize_rpps(written) == rpps
    assert normalize_rpps(normalize_rpps(written)) == rpps


@PROPERTY
@given(st.integers(0, 10**10 - 1), st.integers(0, 10), st.integers(1, 9))
def test_one_wrong_digit_is_refused(n: int, position: int, shift: int) -> None:
    rpps = f"{n:010d}" + luhn_check_digit(f"{n:010d}")
    wrong = rpps[:position] + str((int(rpps[position]) + shift) % 10) + rpps[position + 1 :]
    assert rpps_problem(wrong) is not None  # Luhn catches every single-digit error


@PROPERTY
@given(ANY_TEXT)
def test_rpps_check_never_raises(value: str) -> None:
    problem = rpps_problem(value)
    assert problem is None or problem.startswith("Le numéro RPPS")


# ---------------------------------------------------------------- the input policy, names
@PROPERTY
@given(st.text(), st.booleans())
def test_the_input_policy_refuses_exactly_control_characters_and_lone_surrogates(
    value: str, multiline: bool
) -> None:
    allowed = "\t\n\r" if multiline else ""
    bad = [ch for ch in value if ch not in allowed and (ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F)]
    bad += [ch for ch in value if 0xD800 <= ord(ch) <= 0xDFFF]
    problem = text_problem(value, multiline=multiline)
    assert (problem is None) == (not bad)
    if problem is not None:
        assert problem.startswith(("caractère invisible", "texte mal encodé", "retour à la ligne"))


@PROPERTY
@given(st.text())
def test_names_are_cleaned_once_and_for_all(value: str) -> None:
    cleaned = clean_name(value)
    assert clean_name(cleaned) == cleaned
    assert cleaned == cleaned.strip() and "  " not in cleaned


# ---------------------------------------------------------------- money (the claim document)
MONEY = TypeAdapter(Money)


@PROPERTY
@given(st.decimals(min_value=0, max_value=Decimal("9999999.99"), places=2, allow_nan=False))
def test_money_round_trips_as_two_decimal_text(amount: Decimal) -> None:
    text = f"{amount:.2f}"
    parsed = MONEY.validate_python(text)
    assert parsed == amount
    assert MONEY.dump_python(parsed) == text
    assert MONEY.validate_python(MONEY.dump_python(parsed)) == parsed


@PROPERTY
@given(
    st.one_of(
        st.text(max_size=16),
        st.floats(),
        st.integers(),
        st.none(),
        st.lists(st.integers(), max_size=2),
        st.text(alphabet="0123456789.,-€ ", max_size=12),
    )
)
def test_money_refuses_anything_else_with_a_validation_error(value: object) -> None:
    try:
        parsed = MONEY.validate_python(value)
    except ValidationError as refused:
        assert refused.errors()  # Pydantic's error: the wire answers it in French (422)
    else:
        assert isinstance(value, str) and parsed >= 0
        assert MONEY.dump_python(parsed) == value


@pytest.mark.parametrize("text", ["25", "25.0", "25,00", "-1.00", "1e3", " 25.00", "25.000"])
def test_money_refuses_the_usual_mistakes(text: str) -> None:
    with pytest.raises(ValidationError):
        MONEY.validate_python(text)
