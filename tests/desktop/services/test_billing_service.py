"""The billing services against a real server: claims drafted from the catalog, validated, stored,
exported; payment requests followed live; the note d'honoraires numbered, drawn and sent."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from pypdf import PdfReader

from contracts.billing.claim_parts import Parcours
from contracts.billing.claims import ClaimStatus
from contracts.wire.accounts import PersonPublic
from desktop.billing.billing_services import BillingServices
from desktop.billing.claim_draft import ClaimDraft
from desktop.domain.connection_status import ConnectionStatus
from desktop.domain.errors import UserFacingError
from desktop.services.workspace import Workspace
from tests.desktop.services.harness import app_services, open_workspace, wait_for
from tests.helpers.factories import Account, make_conversation, make_patient, make_practitioner
from tests.helpers.live_server import LiveServer

PARIS = ZoneInfo("Europe/Paris")
TUESDAY_MORNING = datetime(2026, 11, 24, 10, 0, tzinfo=PARIS)
VALID_NIR = "2 95 10 99 126 111 93"  # born in October 1995
WRONG_KEY_NIR = "2 95 10 99 126 111 94"


@dataclass
class Scene:
    doctor: Account
    patient: Account
    conversation_id: str
    workspace: Workspace
    billing: BillingServices
    http: httpx.Client


@asynccontextmanager
async def billing_scene(server: LiveServer, home: Path) -> AsyncIterator[Scene]:
    doctor = make_practitioner(
        server, address="12 rue de la République", postal_code="69002", am_number="691234567"
    )
    patient = make_patient(server, first_name="Hélène", last_name="Dupont")
    conversation_id = make_conversation(server, doctor, patient)
    services = app_services(home, server)
    workspace, _notifier = await open_workspace(services, server, doctor)
    try:
        await wait_for(lambda: workspace.sync.status is ConnectionStatus.ONLINE)
        with httpx.Client(base_url=server.api, timeout=30) as http:
            yield Scene(doctor, patient, conversation_id, workspace, workspace.billing, http)
    finally:
        await workspace.close()
        await services.close()


@pytest.mark.asyncio
async def test_a_gp_claim_is_drafted_validated_stored_and_exported(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    async with billing_scene(sqlite_server, tmp_path / "home") as scene:
        billing = scene.billing.claims
        profile = await billing.load_profile()
        assert profile.display_name == "Dr Claire Martin"
        assert profile.sector_notice == "Praticien conventionné secteur 1"
        assert profile.address_lines == ("12 rue de la République", "69002 Lyon")

        person = PersonPublic(id=scene.patient.id, first_name="Hélène", last_name="Dupont")
        claim, suggestion = await billing.new_draft(scene.conversation_id, person, TUESDAY_MORNING)
        assert suggestion.act is not None and suggestion.act.code == "TCG"
        assert claim.act is not None and claim.act.amount == Decimal("25.00") and claim.majorations == []
        assert (claim.patient.first_name, claim.patient.last_name) == ("Hélène", "Dupont")
        assert claim.practitioner.am_number == "691234567" and claim.practitioner.specialty_code == "01"

        fields = {p.field for p in billing.validate(claim)}
        assert {"patient.birth_date", "patient.nir", "patient.regime", "parcours"} <= fields
        with pytest.raises(UserFacingError):
            await billing.mark_ready(claim, scene.conversation_id)
        draft = await billing.save_draft(claim, scene.conversation_id)
        assert draft.status is ClaimStatus.BROUILLON and draft.version is not None

        claim.patient.birth_date = date(1995, 10, 3)
        claim.patient.nir = WRONG_KEY_NIR
        claim.patient.regime, claim.patient.caisse, claim.patient.centre = "01", "691", "0001"
        claim.parcours = Parcours.MEDECIN_TRAITANT
        assert [p.message for p in billing.validate(claim)] == [
            "La clé du NIR ne correspond pas : vérifiez chaque chiffre."
        ]
        claim.patient.nir = VALID_NIR
        assert billing.validate(claim) == []
        ready = await billing.mark_ready(claim, scene.conversation_id)
        assert ready.status is ClaimStatus.PRETE

        stored = scene.http.get("/billing/claims", headers=scene.doctor.headers).json()["items"]
        assert [(c["status"], c["total"], c["conversation_id"]) for c in stored] == [
            ("prete", "25.00", scene.conversation_id)
        ]
        assert "1 problème" not in str(stored)  # the server holds the document, not our messages

        batch, count = await billing.export_day(date(2026, 11, 24), "json", tmp_path / "jour.json")
        assert count == 1
        exported = json.loads(batch.read_text(encoding="utf-8"))
        assert exported["format"] == "teleconsult.claims-batch"
        assert [c["claim_id"] for c in exported["claims"]] == [claim.id]
        assert exported["claims"][0]["lines"][0]["code"] == "TCG"
        rows = list(csv.DictReader(io.StringIO((await billing.export_day(
            date(2026, 11, 24), "csv", tmp_path / "jour.csv"
        ))[0].read_text(encoding="utf-8")), delimiter=";"))  # fmt: skip
        assert [(r["claim_id"], r["code"], r["amount"]) for r in rows] == [(claim.id, "TCG", "25.00")]
        status = scene.http.get(f"/billing/claims/{claim.id}", headers=scene.doctor.headers).json()
        assert status["status"] == "exportee"

        with pytest.raises(UserFacingError, match="Aucune demande prête"):
            await billing.export_day(date(2026, 11, 23), "json", tmp_path / "vide.json")
        assert not (tmp_path / "vide.json").exists()

        recap = await billing.save_recap(claim.id, tmp_path / "recap.pdf")
        text = "".join(page.extract_text() for page in PdfReader(recap).pages)
        assert "Récapitulatif" in text and "TCG" in text

        moved = await billing.change_status(claim.id, ClaimStatus.TELETRANSMISE)
        assert moved.status is ClaimStatus.TELETRANSMISE
        with pytest.raises(UserFacingError, match="Impossible"):
            await billing.change_status(claim.id, ClaimStatus.BROUILLON)

        # The next visit of the same patient starts from what was entered the first time.
        again, _ = await billing.new_draft(scene.conversation_id, person, TUESDAY_MORNING)
        assert again.id != claim.id and again.patient.nir == VALID_NIR
        assert again.patient.birth_date == date(1995, 10, 3) and again.parcours is Parcours.MEDECIN_TRAITANT


@pytest.mark.asyncio
async def test_payment_requests_follow_the_server_live(sqlite_server: LiveServer, tmp_path: Path) -> None:
    async with billing_scene(sqlite_server, tmp_path / "home") as scene:
        payments, conversations = scene.billing.payments, scene.workspace.conversations
        await conversations.open(scene.conversation_id)
        with pytest.raises(UserFacingError) as refused:
            await payments.request(scene.conversation_id, Decimal("0"), "Téléconsultation")
        assert refused.value.field == "amount"
        with pytest.raises(UserFacingError, match="libellé"):
            await payments.request(scene.conversation_id, Decimal("25"), "  ")
        assert (
            scene.http.get(
                f"/conversations/{scene.conversation_id}/payments", headers=scene.doctor.headers
            ).json()["items"]
            == []
        )

        asked = await payments.request(scene.conversation_id, Decimal("25.00"), "Téléconsultation")
        assert asked.pending and asked.amount_label == "25,00\u00a0€"
        assert asked.practitioner.sector_notice == "Praticien conventionné secteur 1"
        assert [p.id for p in payments.pending(scene.conversation_id)] == [asked.id]

        # Another desktop of the practitioner records the cheque: the event updates this one.
        paid = scene.http.post(
            f"/payments/{asked.id}/mark-paid", json={"method": "cheque"}, headers=scene.doctor.headers
        )
        assert paid.status_code == 200, paid.text
        await wait_for(lambda: payments.get(asked.id) is not None and payments.get(asked.id).paid)  # type: ignore[union-attr]
        assert payments.pending(scene.conversation_id) == []
        await wait_for(lambda: any(m.kind == "system" for m in conversations.messages(scene.conversation_id)))
        system = [m for m in conversations.messages(scene.conversation_id) if m.kind == "system"]
        assert system[-1].body.startswith("Hélène Dupont a réglé la téléconsultation du ")

        other = await payments.request(scene.conversation_id, Decimal("30"), "Téléconsultation du soir")
        again = await payments.request(
            scene.conversation_id, Decimal("30"), "Téléconsultation du soir", payment_id=other.id
        )  # a retry after a lost answer: the same request, not a second one
        assert again.id == other.id and len(payments.pending(scene.conversation_id)) == 1
        cancelled = await payments.cancel(other.id)
        assert cancelled.status == "cancelled" and payments.pending(scene.conversation_id) == []
        with pytest.raises(UserFacingError):
            await payments.cancel(other.id)  # the server's 409 in French


@pytest.mark.asyncio
async def test_the_note_is_numbered_drawn_sent_and_linked(sqlite_server: LiveServer, tmp_path: Path) -> None:
    async with billing_scene(sqlite_server, tmp_path / "home") as scene:
        billing, notes = scene.billing.claims, scene.billing.fee_notes
        person = PersonPublic(id=scene.patient.id, first_name="Hélène", last_name="Dupont")
        claim, _ = await billing.new_draft(scene.conversation_id, person, TUESDAY_MORNING)
        claim.patient.birth_date, claim.patient.nir = date(1995, 10, 3), VALID_NIR
        claim.patient.regime, claim.patient.caisse, claim.patient.centre = "01", "691", "0001"
        claim.parcours = Parcours.MEDECIN_TRAITANT
        claim.tiers_payant_amo = False
        await billing.mark_ready(claim, scene.conversation_id)
        asked = await scene.billing.payments.request(
            scene.conversation_id, claim.total, "Téléconsultation", claim.id
        )
        await scene.billing.payments.mark_paid(asked.id, "card_in_person")

        sent = await notes.send(claim.id)
        assert sent.number.startswith("2026-") and not sent.already_sent
        stored = scene.http.get(f"/billing/notes/{sent.id}", headers=scene.doctor.headers).json()
        assert stored["attachment_id"] == sent.attachment_id and stored["claim_id"]

        pdf = scene.http.get(f"/attachments/{sent.attachment_id}", headers=scene.patient.headers)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
        assert sent.number in text
        assert "TVA non applicable, art. 261-4-1° du CGI" in text
        assert "téléconsultation" in text.lower()
        assert "carte bancaire" in text and "Note acquittée" in text
        assert "12 rue de la République" in text

        again = await notes.send(claim.id)
        assert again.already_sent and again.number == sent.number
        messages = scene.http.get(
            f"/conversations/{scene.conversation_id}/messages", headers=scene.patient.headers
        ).json()["items"]
        assert sum(1 for m in messages if m["kind"] == "attachment") == 1


@pytest.mark.asyncio
async def test_a_consultation_paid_in_full_is_one_record_claim_note_and_payment(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    """Issue 12, item 2: 30 € paid by transfer for a child's TCG + MEG (30 €): no tiers payant on the
    claim, « réglé le … par virement » and nothing left to pay on the note; the contradiction is
    refused in French, before anything is numbered."""
    async with billing_scene(sqlite_server, tmp_path / "home") as scene:
        billing, notes, payments = scene.billing.claims, scene.billing.fee_notes, scene.billing.payments
        person = PersonPublic(id=scene.patient.id, first_name="Zoé", last_name="Dupont")
        claim, suggestion = await billing.new_draft(scene.conversation_id, person, TUESDAY_MORNING)
        draft = ClaimDraft(billing, scene.doctor.id, payments)
        draft.show(claim, scene.conversation_id, suggestion, None)
        draft.edit("patient.birth_date", date(2022, 3, 1))
        for field, value in (
            ("patient.is_insured", False),
            ("patient.nir", VALID_NIR),
            ("patient.regime", "01"),
            ("patient.caisse", "691"),
            ("patient.centre", "0001"),
            ("parcours", "moins_de_16_ans"),
        ):
            draft.edit(field, value)
        assert [line.code for line in claim.lines] == ["TCG", "MEG"] and claim.total == Decimal("30.00")
        assert claim.tiers_payant_amo and draft.problems() == {}
        await billing.save_draft(claim, scene.conversation_id)

        asked = await payments.request(scene.conversation_id, claim.total, "Téléconsultation", claim.id)
        paid = scene.http.post(
            f"/payments/{asked.id}/mark-paid", json={"method": "transfer"}, headers=scene.doctor.headers
        )
        assert paid.status_code == 200, paid.text
        # The payment reaches the draft live: paid in full, so the tiers payant goes.
        await wait_for(lambda: not claim.tiers_payant_amo)
        assert draft.payment is not None and draft.payment.summary.startswith("30,00\u00a0€ par virement le ")
        assert draft.payment_note is not None and "pas de tiers payant" in draft.payment_note

        # The practitioner ticks it again: warned, and « prête » is refused.
        draft.edit("tiers_payant_amo", True)
        message = draft.shown_problems()["tiers_payant_amo"]
        assert message.startswith("Le patient a déjà tout réglé (30,00\u00a0€ par virement le ")
        assert not draft.reveal_problems()
        await billing.save_draft(claim, scene.conversation_id)  # stored as it is, contradiction and all
        for attempt in (notes.preview, notes.send):
            with pytest.raises(UserFacingError) as refused:
                await attempt(claim.id)
            assert refused.value.message.startswith("La note d'honoraires n'est pas établie : Le patient a")
        assert scene.http.get("/billing/notes", headers=scene.doctor.headers).json()["items"] == []

        draft.edit("tiers_payant_amo", False)
        assert draft.problems() == {}
        await billing.mark_ready(claim, scene.conversation_id)
        preview = await notes.preview(claim.id)
        assert preview.tiers_payant_amount == 0 and preview.remaining == 0
        lines = preview.payment_lines()
        assert lines[0].startswith("Réglé le ") and lines[0].endswith(" par virement : 30,00\u00a0€")
        assert lines[1:] == ["Note acquittée."]
        summary = preview.summary("attribué à l'envoi")
        assert "Note d’honoraires N° attribué à l'envoi" in summary and "Reste à régler" not in summary
        assert "tiers payant" not in summary
        sent = await notes.send(claim.id)
        stored = scene.http.get(f"/billing/notes/{sent.id}", headers=scene.doctor.headers).json()
        assert stored["payment_id"] == asked.id
        pdf = scene.http.get(f"/attachments/{sent.attachment_id}", headers=scene.patient.headers)
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
        assert "par virement : 30,00" in text and "Note acquittée." in text
        assert "Reste à régler" not in text and "tiers payant" not in text
