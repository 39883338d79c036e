"""Note d'honoraires and claim recap PDFs: every required mention is in the text, only DejaVu is embedded."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from contracts.billing.claims import Claim, ClaimLine
from contracts.billing.errors import BillingError
from contracts.billing.rules import BillingRules
from contracts.billing.validation import ClaimValidator
from desktop.billing.fee_notes import (
    FeeNote,
    FeeNoteLine,
    PaymentMethod,
    PractitionerIdentity,
    fee_note_from_claim,
)
from desktop.billing.note_renderer import ReportlabNoteRenderer
from tests.contracts.billing.conftest import GP, NOW, VALID_RPPS, paris

MakeClaim = Callable[..., Claim]
IDENTITY = PractitionerIdentity(
    "Dr Claire Martin",
    GP,
    VALID_RPPS,
    "751234567",
    ("12 rue de la Paix", "75002 Paris"),
    phone="01 23 45 67 89",
)


@pytest.fixture(scope="module")
def renderer() -> ReportlabNoteRenderer:
    return ReportlabNoteRenderer()


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    raw = "\n".join(page.extract_text() for page in reader.pages)
    return re.sub(r"\s+", " ", raw.replace("\u00a0", " ").replace("\u202f", " "))


def child_claim(make_claim: MakeClaim) -> Claim:
    claim = make_claim()
    claim.patient.first_name, claim.patient.last_name = "Zoé", "Dupont"
    claim.patient.birth_date = date(2022, 3, 1)
    claim.patient.is_insured = False
    claim.majorations = [
        ClaimLine(
            "MEG", "Majoration enfant généraliste (enfant < 6 ans)", Decimal("5.00"), Decimal("5.00"), False
        )
    ]
    return claim


def test_note_holds_every_required_mention(make_claim: MakeClaim, renderer: ReportlabNoteRenderer) -> None:
    note = fee_note_from_claim(
        child_claim(make_claim),
        number="2026-0042",
        practitioner=IDENTITY,
        issued_on=date(2026, 11, 24),
        payment_method=PaymentMethod.CARTE_BANCAIRE,
        paid_amount=Decimal("9.00"),
        paid_on=date(2026, 11, 24),
    )
    pdf = renderer.render_note(note)
    assert pdf.startswith(b"%PDF-")
    text = text_of(pdf)
    for mention in (
        "Note d’honoraires",
        "N° 2026-0042",
        "Émise le 24 novembre 2026",
        "Dr Claire Martin",
        "Médecin — Médecine générale",
        "12 rue de la Paix",
        "75002 Paris",
        "N° RPPS : 79927398713",
        "N° Assurance Maladie : 751234567",
        "Conventionné secteur 1",
        "Zoé DUPONT",
        "Date de naissance : 1er mars 2022",
        "24/11/2026 TCG Téléconsultation du médecin généraliste téléconsultation 25,00 €",
        "24/11/2026 MEG Majoration enfant généraliste (enfant < 6 ans) téléconsultation 5,00 €",
        "Total 30,00 €",
        "Dont part Assurance Maladie en tiers payant : 21,00 €",
        "Réglé le 24 novembre 2026 par carte bancaire : 9,00 €",
        "Note acquittée.",
        "TVA non applicable, art. 261-4-1° du CGI",
    ):
        assert mention in text, mention
    metadata = PdfReader(io.BytesIO(pdf)).metadata
    assert metadata is not None and metadata.title == "Note d’honoraires N° 2026-0042"


def test_the_preview_is_the_note_marked_and_unnumbered(
    make_claim: MakeClaim, renderer: ReportlabNoteRenderer
) -> None:
    """Issue 12 item 2: the note shown before sending is the same document, marked « APERÇU — non
    envoyé » on every page and numbered « attribué à l'envoi »; the sent note carries no mark."""
    note = fee_note_from_claim(
        child_claim(make_claim), number="0000-0000", practitioner=IDENTITY, issued_on=date(2026, 11, 24)
    )
    preview = text_of(renderer.render_note(note, preview=True))
    assert "APERÇU — non envoyé" in preview
    assert "N° attribué à l’envoi" in preview and "0000-0000" not in preview
    assert "Total 30,00 €" in preview and "TVA non applicable, art. 261-4-1° du CGI" in preview
    metadata = PdfReader(io.BytesIO(renderer.render_note(note, preview=True))).metadata
    assert metadata is not None and (metadata.title or "").startswith("APERÇU — non envoyé")
    sent = text_of(renderer.render_note(note))
    assert "APERÇU" not in sent and "N° 0000-0000" in sent and "Total 30,00 €" in sent


def test_unpaid_note_shows_what_remains(make_claim: MakeClaim, renderer: ReportlabNoteRenderer) -> None:
    claim = make_claim(tiers_payant_amo=False)
    note = fee_note_from_claim(claim, number="2026-0043", practitioner=IDENTITY, issued_on=date(2026, 11, 24))
    text = text_of(renderer.render_note(note))
    assert "Reste à régler : 25,00 €" in text and "tiers payant" not in text


def _fonts(pdf: bytes) -> list[DictionaryObject]:
    reader = PdfReader(io.BytesIO(pdf))
    fonts: list[DictionaryObject] = []
    for page in reader.pages:
        resources = page["/Resources"].get_object()
        assert isinstance(resources, DictionaryObject)
        table = resources["/Font"].get_object()
        assert isinstance(table, DictionaryObject)
        for ref in table.values():
            font = ref.get_object()
            assert isinstance(font, DictionaryObject)
            fonts.append(font)
    return fonts


def _assert_only_embedded_dejavu(pdf: bytes, tmp_path: Path) -> None:
    assert b"Helvetica" not in pdf
    fonts = _fonts(pdf)
    assert fonts
    for font in fonts:
        assert re.fullmatch(r"/[A-Z]{6}\+DejaVuSans(-Bold)?", str(font["/BaseFont"])), font["/BaseFont"]
        descriptor = font["/FontDescriptor"].get_object()
        assert isinstance(descriptor, DictionaryObject)
        assert "/FontFile2" in descriptor, "font program not embedded"
    pdffonts = shutil.which("pdffonts")
    if pdffonts is None:
        return  # poppler-utils absent: the pypdf checks above still ran
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    out = subprocess.run([pdffonts, str(path)], capture_output=True, text=True, check=True).stdout
    rows = out.splitlines()[2:]
    assert rows
    for row in rows:
        name, emb = row.split()[0], row.split()[-5]
        assert name.split("+")[-1] in {"DejaVuSans", "DejaVuSans-Bold"}, row
        assert emb == "yes", row


def test_note_embeds_only_dejavu(
    make_claim: MakeClaim, renderer: ReportlabNoteRenderer, tmp_path: Path
) -> None:
    note = fee_note_from_claim(
        make_claim(), number="2026-0042", practitioner=IDENTITY, issued_on=date(2026, 11, 24)
    )
    _assert_only_embedded_dejavu(renderer.render_note(note), tmp_path)


def test_recap_embeds_only_dejavu_and_says_who_transmits(
    make_claim: MakeClaim,
    validator: ClaimValidator,
    renderer: ReportlabNoteRenderer,
    rules: BillingRules,
    tmp_path: Path,
) -> None:
    # A regulated act for a child at 2 a.m.: MEG (verified) and CRM (amount unverified, changed).
    claim = make_claim(performed_at=paris(2026, 11, 24, 2, 0), flags=frozenset({"acte_regule"}))
    claim.patient.birth_date = date(2022, 3, 1)
    claim.patient.is_insured = False
    claim.add_majoration("MEG", rules)
    claim.add_majoration("CRM", rules)
    claim.override_amount("CRM", Decimal("59.50"), by="user-7", at=NOW)
    claim.mark_ready(validator, by="user-7", at=NOW)
    pdf = renderer.render_claim_recap(claim)
    _assert_only_embedded_dejavu(pdf, tmp_path)
    text = text_of(pdf)
    for mention in (
        "Récapitulatif de demande de remboursement",
        "Statut prête",
        "mardi 24 novembre 2026 à 02:00",
        "2 95 10 99 126 111 93 (le patient n’est pas l’assuré)",
        "régime 01, caisse 751, centre 0001",
        "RPPS / N° AM 79927398713 / 751234567",
        "Parcours de soins Médecin traitant",
        "TCG Téléconsultation du médecin généraliste 25,00 € MEG",
        "Majoration enfant généraliste (enfant < 6 ans) 5,00 € CRM",  # verified: no « non vérifié »
        "milieu de nuit 59,50 € (non vérifié)",
        "Total 89,50 €",
        "Montants modifiés",
        "CRM 51,50 € 59,50 € user-7",
        "Estimation : l’Assurance Maladie rembourse environ 62,65 €",
        "Montant indicatif, non garanti.",
        "logiciel de facturation certifié SESAM-Vitale",
        "carte CPS",
    ):
        assert mention in text, mention


def test_note_number_and_amounts_are_checked(make_claim: MakeClaim) -> None:
    line = FeeNoteLine(date(2026, 11, 24), "TCG", "Téléconsultation", "téléconsultation", Decimal("25.00"))
    with pytest.raises(BillingError, match="Numéro de note d’honoraires invalide"):
        FeeNote("42", date(2026, 11, 24), IDENTITY, "Hélène DUPONT", (line,))
    with pytest.raises(BillingError, match="dépasse le total"):
        FeeNote(
            "2026-0042", date(2026, 11, 24), IDENTITY, "Hélène DUPONT", (line,), paid_amount=Decimal("30")
        )
    claim = make_claim(act=ClaimLine("TC", "Téléconsultation", None, None, True))
    with pytest.raises(BillingError, match="Saisissez le montant de TC"):
        fee_note_from_claim(claim, number="2026-0042", practitioner=IDENTITY, issued_on=date(2026, 11, 24))
