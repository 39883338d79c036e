"""The billing screens under pytest-qt on the qasync loop, against real servers: payment requests
from the « + » menu and their live banner (paid offline, through the API, online then refunded,
cancelled); a GP's call billed from « Facturer » to a ready claim stored on the server, exported
for the day in JSON and CSV, and its note d'honoraires sent as a PDF the patient can download;
the call window's offer; a nurse asked where she accompanied the patient; screenshots.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from pypdf import PdfReader
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from contracts.billing.claim_parts import Parcours
from contracts.billing.claims import ClaimStatus
from contracts.billing.rules import BillingRules
from desktop.ui.billing.billing_controller import BILLING, CLAIM, BillingController
from desktop.ui.billing.note_preview_dialog import NotePreviewDialog
from desktop.ui.billing.payment_presenter import amount_text
from desktop.ui.call.call_controller import CallController
from desktop.ui.main_window import CONVERSATION
from tests.conftest import base_settings
from tests.desktop.services.harness import wait_for
from tests.desktop.ui.desktop_harness import Desktop, grab_schemes, open_desktop, type_into
from tests.helpers.billing import API_KEY, WEBHOOK_SECRET, StripeFake, paid_by_stripe, stripe_fake
from tests.helpers.factories import Account, make_conversation, make_patient, make_practitioner, send
from tests.helpers.live_server import LiveServer

PARIS = ZoneInfo("Europe/Paris")
TUESDAY_MORNING = datetime(2026, 11, 24, 10, 0, tzinfo=PARIS)
VALID_NIR = "295109912611193"
WRONG_KEY_NIR = "295109912611194"
DOCS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"


@dataclass
class Scene:
    desktop: Desktop
    billing: BillingController
    doctor: Account
    patient: Account
    conversation_id: str
    http: httpx.Client


@asynccontextmanager
async def billing_desktop(server: LiveServer, home: Path, **doctor: object) -> AsyncIterator[Scene]:
    practitioner = make_practitioner(
        server, address="12 rue de la République", postal_code="69002", am_number="691234567", **doctor
    )
    patient = make_patient(server, first_name="Hélène", last_name="Dupont")
    conversation_id = make_conversation(server, practitioner, patient)
    async with open_desktop(server, practitioner, home) as desktop:
        controller = BillingController(
            desktop.window, desktop.workspace, CallController(desktop.window, desktop.workspace)
        )
        await wait_for(lambda: desktop.workspace.conversations.get(conversation_id) is not None)
        desktop.presenter.open_conversation(conversation_id)
        with httpx.Client(base_url=server.api, timeout=30) as http:
            yield Scene(desktop, controller, practitioner, patient, conversation_id, http)


def non_blank(image: QImage) -> bool:
    """More than 1 % of the page is not white (text and rules were drawn)."""
    small = image.convertToFormat(QImage.Format.Format_Grayscale8)
    dark = sum(
        1
        for y in range(0, small.height(), 2)
        for x in range(0, small.width(), 2)
        if small.pixelColor(x, y).value() < 200
    )
    return image.width() > 300 and dark > (small.width() // 2) * (small.height() // 2) // 100


def pdf_text_of(pdf: bytes) -> str:
    """The PDF's text by PDFium (the engine that draws the preview), spaces normalised."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        raw = " ".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()
    return " ".join(raw.replace("\u00a0", " ").replace("\u202f", " ").split())


async def note_preview() -> NotePreviewDialog:
    """The note's preview, once it is open (before anything is numbered or sent)."""
    found: list[NotePreviewDialog] = []

    def shown() -> bool:
        found[:] = [
            w for w in QApplication.topLevelWidgets() if isinstance(w, NotePreviewDialog) and w.isVisible()
        ]
        return bool(found)

    await wait_for(shown)
    return found[0]


def server_payments(scene: Scene) -> list[dict[str, object]]:
    items = scene.http.get(
        f"/conversations/{scene.conversation_id}/payments", headers=scene.doctor.headers
    ).json()["items"]
    assert isinstance(items, list)
    return items


def system_bubbles(scene: Scene) -> list[str]:
    bubbles = scene.desktop.window.conversation.messages.bubbles.values()
    return [b.text.text() for b in bubbles if b.system]


@pytest.mark.asyncio
async def test_payment_request_from_the_plus_menu_banner_paid_cancelled(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    async with billing_desktop(sqlite_server, tmp_path) as scene:
        window, controller = scene.desktop.window, scene.billing
        assert window.payment_action.isEnabled()
        window.payment_action.trigger()
        dialog = controller.payment_dialog
        assert dialog is not None and dialog.isVisible()
        assert dialog.label.text().startswith("Téléconsultation du ")
        await wait_for(lambda: "Praticien conventionné secteur 1" in dialog.preview.text())
        assert "Dr Claire Martin" in dialog.preview.text()

        type_into(dialog.amount, "abc")
        assert "n'est pas un montant" in dialog.amount_error.text() and dialog.amount_error.isVisible()
        type_into(dialog.amount, "0")
        dialog.submit.click()
        assert dialog.amount_error.text() == "Le montant doit être supérieur à zéro."
        assert server_payments(scene) == []

        # A label the server refuses (a bidi override): its French sentence shows next to the field.
        type_into(dialog.amount, "25,00")
        original = dialog.label.text()
        dialog.label.setText("Téléconsultation \u202e")
        dialog.submit.click()
        await wait_for(lambda: dialog.label_error.isVisible())
        assert dialog.label_error.text().endswith(".") and "libellé" in dialog.label_error.text().lower()
        assert server_payments(scene) == [] and dialog.submit.isEnabled()
        dialog.label.setText(original)
        assert "25,00\u00a0€ — Téléconsultation du " in dialog.preview.text()
        dialog.submit.click()
        banner = controller.banner
        await wait_for(lambda: banner.isVisible() and len(banner.texts()) == 1)
        assert banner.texts()[0].startswith("Paiement en attente : 25,00\u00a0€ — Téléconsultation du ")
        await wait_for(lambda: controller.payment_dialog is None)  # closed once sent
        (stored,) = server_payments(scene)
        assert stored["amount"] == "25.00" and stored["status"] == "pending"

        # The patient pays in person by cheque: « Marquer comme réglé » → chèque.
        (row,) = banner.rows.values()
        methods = row.buttons["mark_paid"].menu().actions()  # type: ignore[attr-defined]
        assert [a.data() for a in methods] == ["card_in_person", "cheque", "transfer", "cash"]
        cheque = next(a for a in methods if a.data() == "cheque")
        cheque.trigger()
        await wait_for(lambda: banner.texts()[0].startswith("Paiement réglé : 25,00\u00a0€"))
        assert banner.texts()[0].endswith("(chèque)") and "refund" not in banner.rows[stored["id"]].buttons
        await wait_for(lambda: len(system_bubbles(scene)) == 1)
        assert system_bubbles(scene)[0].startswith("Hélène Dupont a réglé la téléconsultation du ")
        bubble = next(b for b in window.conversation.messages.bubbles.values() if b.system)
        assert bubble.text.alignment() & Qt.AlignmentFlag.AlignHCenter
        assert bubble.accessibleName().startswith("Information, ")

        # Another desktop of the practitioner asks, then records a transfer: this one follows live.
        asked = scene.http.post(
            f"/conversations/{scene.conversation_id}/payments",
            json={"amount": "30.00", "label": "Téléconsultation du soir"},
            headers=scene.doctor.headers,
        ).json()
        await wait_for(lambda: any(t.startswith("Paiement en attente : 30,00") for t in banner.texts()))
        scene.http.post(
            f"/payments/{asked['id']}/mark-paid", json={"method": "transfer"}, headers=scene.doctor.headers
        )
        await wait_for(
            lambda: any(t.startswith("Paiement réglé : 30,00") and "virement" in t for t in banner.texts())
        )
        await wait_for(lambda: len(system_bubbles(scene)) == 2)

        # A third request is cancelled from the banner: it disappears, for the patient too.
        window.payment_action.trigger()
        dialog = controller.payment_dialog
        assert dialog is not None
        type_into(dialog.amount, "12,5")
        dialog.submit.click()
        await wait_for(lambda: any(t.startswith("Paiement en attente : 12,50") for t in banner.texts()))
        pending = next(r for r in banner.rows.values() if r.payment.pending)
        pending.buttons["cancel"].click()  # type: ignore[attr-defined]
        await wait_for(lambda: not any(t.startswith("Paiement en attente") for t in banner.texts()))
        patient_view = scene.http.get(
            f"/conversations/{scene.conversation_id}/payments", headers=scene.patient.headers
        ).json()["items"]
        assert sorted(p["status"] for p in patient_view) == ["cancelled", "paid", "paid"]
        # The banner follows the server's event; the message follows the cancel's own answer.
        await wait_for(
            lambda: window.message_bar.text == "Demande de paiement annulée : le patient ne la voit plus."
        )
        for row in list(banner.rows.values()):
            row.buttons["dismiss"].click()  # type: ignore[attr-defined]
        assert not banner.isVisible()


@pytest.fixture(scope="module")
def stripe() -> Iterator[StripeFake]:
    yield from stripe_fake()


@pytest.fixture(scope="module")
def stripe_server(tmp_path_factory: pytest.TempPathFactory, stripe: StripeFake) -> Iterator[LiveServer]:
    overrides: dict[str, object] = {
        "allow_practitioner_signup": True,
        "payment_provider": "stripe",
        "stripe_api_key": API_KEY,
        "stripe_webhook_secret": WEBHOOK_SECRET,
        "stripe_base_url": stripe.url,
        "stripe_timeout_seconds": 5.0,
    }
    with LiveServer(base_settings(tmp_path_factory.mktemp("stripe-ui"), **overrides)) as server:
        yield server


@pytest.mark.asyncio
async def test_the_patient_pays_online_then_the_practitioner_refunds(
    stripe_server: LiveServer, stripe: StripeFake, tmp_path: Path
) -> None:
    async with billing_desktop(stripe_server, tmp_path) as scene:
        controller, banner = scene.billing, scene.billing.banner
        scene.desktop.window.payment_action.trigger()
        dialog = controller.payment_dialog
        assert dialog is not None
        type_into(dialog.amount, "25")
        dialog.submit.click()
        await wait_for(
            lambda: len(banner.texts()) == 1 and banner.texts()[0].startswith("Paiement en attente")
        )
        (payment,) = server_payments(scene)

        paid_by_stripe(scene.http, stripe, scene.patient, payment)  # checkout page, then Stripe's webhook
        await wait_for(lambda: banner.texts()[0].startswith("Paiement réglé : 25,00"))
        assert banner.texts()[0].endswith("(paiement en ligne)")
        await wait_for(lambda: len(system_bubbles(scene)) == 1)
        row = banner.rows[str(payment["id"])]
        assert "refund" in row.buttons and "cancel" not in row.buttons
        questions: list[str] = []

        async def confirm(text: str) -> bool:
            questions.append(text)
            return len(questions) > 1  # « Annuler » the first time: nothing happens

        controller.banner_presenter.confirm = confirm
        row.buttons["refund"].click()  # type: ignore[attr-defined]
        await wait_for(lambda: len(questions) == 1)
        assert questions[0].startswith("Rembourser 25,00\u00a0€ au patient ?")
        assert stripe.posts("/v1/refunds") == [] and banner.texts()[0].startswith("Paiement réglé")
        banner.rows[str(payment["id"])].buttons["refund"].click()  # type: ignore[attr-defined]
        await wait_for(lambda: banner.texts()[0].startswith("Paiement remboursé : 25,00"))
        assert [c.form.get("amount") for c in stripe.posts("/v1/refunds")] == ["2500"]
        await wait_for(lambda: len(system_bubbles(scene)) == 2)
        assert "a été remboursé" in system_bubbles(scene)[-1]


@pytest.mark.asyncio
async def test_a_gp_call_is_billed_stored_exported_and_its_note_sent(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    async with billing_desktop(sqlite_server, tmp_path / "home") as scene:
        window, controller = scene.desktop.window, scene.billing
        # The call ended: its conversation offers « Facturer cette téléconsultation ».
        controller.offer_after_call(
            scene.conversation_id,
            TUESDAY_MORNING,
            scene.desktop.workspace.clock(),  # it ended just now
        )
        assert controller.call_end.isVisible() and "10:00" in controller.call_end.label.text()
        controller.call_end.bill.click()
        await wait_for(lambda: window.current_page == CLAIM)
        editor, presenter = controller.editor, controller.editor_presenter
        lines, form = editor.lines, editor.form
        assert (
            editor.isVisible()
            and "Hélène DUPONT" in editor.title.text()
            and editor.status.text() == "brouillon"
        )
        assert list(lines.amounts) == ["TCG"] and lines.amounts["TCG"].text() == "25,00"
        assert lines.amounts["TCG"].isReadOnly() and lines.flags["TCG"].text() == ""  # verified amount
        assert editor.total.text() == "Total : 25,00\u00a0€"
        assert editor.estimate.text().startswith("Estimation : l’Assurance Maladie rembourse environ 15,50")
        assert "SESAM-Vitale avec votre carte CPS" in editor.findChild(QWidget, "transmissionNotice").text()  # type: ignore[union-attr]
        assert editor.performed_at.dateTime().toString("dd/MM/yyyy HH:mm") == "24/11/2026 10:00"
        assert form.line_edit("patient.last_name").text() == "Dupont"

        # An invalid NIR: its message appears under the field, as typed.
        type_into(form.line_edit("patient.nir"), WRONG_KEY_NIR)
        assert form.errors["patient.nir"].isVisible()
        assert (
            form.errors["patient.nir"].text() == "La clé du NIR ne correspond pas : vérifiez chaque chiffre."
        )
        type_into(form.birth_date, "03101995")
        type_into(form.line_edit("patient.nir"), VALID_NIR)
        assert not form.errors["patient.nir"].isVisible()
        # « Marquer prête » too early: every remaining problem shows next to its field, nothing stored.
        editor.ready.click()
        assert form.errors["patient.regime"].text() == "Le code régime est obligatoire."
        assert form.errors["parcours"].isVisible() and "3 points" not in editor.problems.text()
        assert scene.http.get("/billing/claims", headers=scene.doctor.headers).json()["items"] == []
        editor.save.click()  # « Enregistrer le brouillon »: stored as it is, problems and all
        await wait_for(lambda: window.message_bar.text == "Brouillon enregistré.")
        drafts = scene.http.get("/billing/claims", headers=scene.doctor.headers).json()["items"]
        assert [(c["status"], c["document"]["patient"]["nir"]) for c in drafts] == [("brouillon", VALID_NIR)]
        for name, value in (("patient.regime", "01"), ("patient.caisse", "691"), ("patient.centre", "0001")):
            type_into(form.line_edit(name), value)

        def choose_parcours(value: str) -> None:
            index = form.parcours.findData(value)
            form.parcours.setCurrentIndex(index)
            form.parcours.activated.emit(index)

        # The parcours indicator: « MTO » is not verified, so it is sent only once ticked, reason beside.
        choose_parcours("oriente_par_mt")
        assert form.parcours_confirm.isVisible() and not form.parcours_confirm.isChecked()
        assert form.parcours_confirm.text() == "Envoyer l'indicateur « MTO » (non vérifié) : je l'ai vérifié"
        assert form.parcours_indicator.text().startswith("Indicateur « MTO » vu dans une seule source")
        form.parcours_confirm.click()
        assert presenter.claim is not None and presenter.claim.parcours_indicator_confirmed
        choose_parcours("urgence")  # « U » is verified: shown, nothing to tick
        assert not form.parcours_confirm.isVisible() and not presenter.claim.parcours_indicator_confirmed
        assert form.parcours_indicator.text() == "Indicateur de parcours envoyé : « U »."
        choose_parcours("medecin_traitant")
        assert (
            form.parcours_indicator.text()
            == "Indicateur de parcours : à choisir dans votre logiciel certifié."
        )
        assert editor.problems.text() == "Feuille complète : elle peut être marquée « prête »."
        editor.ready.click()
        await wait_for(lambda: editor.status.text() == "prête")
        stored = scene.http.get("/billing/claims", headers=scene.doctor.headers).json()["items"]
        assert [(c["status"], c["total"], c["conversation_id"]) for c in stored] == [
            ("prete", "25.00", scene.conversation_id)
        ]
        claim_id = presenter.claim.id  # type: ignore[union-attr]
        assert stored[0]["document"]["patient"]["nir"] == VALID_NIR
        assert not editor.save.isVisible() and editor.export.isEnabled()

        # This claim alone, from the editor: « Exporter » → JSON, written where the practitioner chose.
        single = tmp_path / "feuille.json"

        async def choose_single(name: str, kind: str) -> Path | None:
            assert name == f"teleconsult-demande-2026-11-24-{claim_id[:8]}.json" and kind == "json"
            return single

        presenter.actions.ask_save_path = choose_single
        editor.export.menu().actions()[0].trigger()
        await wait_for(lambda: single.exists() and editor.status.text() == "exportée")
        record = json.loads(single.read_text(encoding="utf-8"))
        assert record["format"] == "teleconsult.claim-export" and record["claim_id"] == claim_id
        assert record["totals"]["amo_estimate"] == "15.50" and record["status"] == "prete"
        assert editor.draft.isVisible()  # « Repasser en brouillon » is offered for an exported claim

        # The billing view (Ctrl+B): the day's export in JSON and CSV, where the practitioner chooses.
        controller.billing_action.trigger()
        await wait_for(lambda: window.current_page == BILLING and len(controller.page.claim_rows) == 1)
        page, billing = controller.page, controller.billing_presenter
        assert page.claim_rows[0].codes == "TCG" and page.claim_rows[0].status_label == "exportée"
        chosen: dict[str, Path] = {"json": tmp_path / "jour.json", "csv": tmp_path / "jour.csv"}

        async def choose(name: str, kind: str) -> Path | None:
            assert name == f"teleconsult-demandes-2026-11-24.{kind}"
            return chosen[kind]

        billing.ask_save_path = choose
        page.day.setDate(QDate(2026, 11, 24))
        json_action, csv_action = page.export_day_button.menu().actions()
        json_action.trigger()
        await wait_for(lambda: chosen["json"].exists())
        batch = json.loads(chosen["json"].read_text(encoding="utf-8"))
        assert batch["count"] == 1 and batch["claims"][0]["claim_id"] == claim_id
        assert batch["claims"][0]["patient"]["nir"] == VALID_NIR and batch["total"] == "25.00"
        csv_action.trigger()
        await wait_for(lambda: chosen["csv"].exists())
        rows = list(csv.DictReader(io.StringIO(chosen["csv"].read_text(encoding="utf-8")), delimiter=";"))
        assert [(r["claim_id"], r["code"], r["amount"]) for r in rows] == [(claim_id, "TCG", "25.00")]
        await wait_for(
            lambda: "Journée du 24 novembre 2026 exportée (1 feuille de soins)" in window.message_bar.text
        )
        assert page.claim_rows[0].status_label == "exportée"

        # The PDF recap, for the records or to re-enter the claim by hand.
        recap = tmp_path / "recap.pdf"

        async def choose_recap(name: str, kind: str) -> Path | None:
            assert kind == "pdf" and name.endswith(".pdf")
            return recap

        billing.ask_save_path = choose_recap
        page.claims.selectRow(0)
        page.recap.click()
        await wait_for(lambda: recap.exists())
        recap_text = "".join(p.extract_text() for p in PdfReader(recap).pages)
        assert "Récapitulatif" in recap_text and "TCG" in recap_text

        # The certified software sent it: the practitioner says so from the billing view.
        page.claims.selectRow(0)
        labels = [a.text() for a in page.status_menu.actions()]
        assert labels == ["Marquer « brouillon »", "Marquer « télétransmise »"]
        page.status_menu.actions()[1].trigger()
        await wait_for(lambda: page.claim_rows[0].status_label == "télétransmise")
        assert scene.http.get(f"/billing/claims/{claim_id}", headers=scene.doctor.headers).json()[
            "status"
        ] == ("teletransmise")

        # « Envoyer la note d'honoraires »: shown first, then numbered, drawn off the UI thread, sent, linked.
        page.note.click()
        preview = await note_preview()
        assert "Note d’honoraires N° attribué à l'envoi" in preview.text.toPlainText()
        preview.send.click()
        await wait_for(lambda: window.message_bar.text.startswith("Note d'honoraires N° 2026-"))
        number = window.message_bar.text.split("N° ")[1].split(" ")[0]
        notes = scene.http.get("/billing/notes", headers=scene.doctor.headers).json()["items"]
        assert [(n["number"], bool(n["attachment_id"])) for n in notes] == [(number, True)]
        pdf = scene.http.get(f"/attachments/{notes[0]['attachment_id']}", headers=scene.patient.headers)
        assert pdf.status_code == 200 and pdf.headers["content-type"].startswith("application/pdf")
        text = "".join(page_.extract_text() for page_ in PdfReader(io.BytesIO(pdf.content)).pages)
        assert number in text
        assert "TVA non applicable, art. 261-4-1° du CGI" in text
        assert "téléconsultation" in text.lower()

        # Back to the conversation: the note is there, as a document sent by the practitioner.
        page.back.click()
        assert window.current_page == CONVERSATION
        await wait_for(lambda: any(
            b.card is not None and b.card.attachment.filename == f"note-honoraires-{number}.pdf"
            for b in window.conversation.messages.bubbles.values()
        ))  # fmt: skip


@pytest.mark.asyncio
async def test_the_call_window_offers_billing_and_the_ended_call_is_offered_too(
    sqlite_server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import aioice.ice

    from desktop.services.call_media import synthetic_media

    monkeypatch.setattr(
        aioice.ice, "get_host_addresses", lambda use_ipv4, use_ipv6: ["127.0.0.1"] if use_ipv4 else []
    )
    practitioner = make_practitioner(sqlite_server, am_number="691234567")
    patient = make_patient(sqlite_server, first_name="Hélène", last_name="Dupont")
    conversation_id = make_conversation(sqlite_server, practitioner, patient)
    async with open_desktop(
        sqlite_server, practitioner, tmp_path, media=lambda: synthetic_media(320, 240)
    ) as desktop:
        calls = CallController(desktop.window, desktop.workspace)
        billing = BillingController(desktop.window, desktop.workspace, calls)
        try:
            await wait_for(lambda: desktop.workspace.conversations.get(conversation_id) is not None)
            desktop.presenter.open_conversation(conversation_id)
            clock = desktop.workspace.clock
            before = clock()
            desktop.window.conversation.camera.click()
            await wait_for(lambda: calls.call_window is not None and calls.call_window.isVisible())
            call_window = calls.call_window
            assert call_window is not None and call_window.bill_button.isVisible()
            assert call_window.bill_button.accessibleName() == "Facturer cette téléconsultation"

            call_window.bill_button.click()  # during the call: the claim of this call, dated at its start
            await wait_for(lambda: desktop.window.current_page == CLAIM)
            claim = billing.editor_presenter.claim
            assert claim is not None and claim.act is not None and claim.act.code == "TCG"
            assert before <= claim.performed_at <= clock()  # the call started in between
            billing.editor.back.click()
            assert desktop.window.current_page == CONVERSATION and not billing.call_end.isVisible()

            call_window.hangup.click()
            await wait_for(lambda: calls.service.active is None and not call_window.isVisible())
            await wait_for(lambda: billing.call_end.isVisible())
            assert billing.call_end.label.text().startswith("Téléconsultation terminée (")
            billing.call_end.bill.click()
            await wait_for(lambda: desktop.window.current_page == CLAIM)
            assert billing.editor_presenter.claim is not None
            assert abs(billing.editor_presenter.claim.performed_at - claim.performed_at) < timedelta(
                seconds=2
            )
        finally:
            await calls.service.close()


@pytest.mark.asyncio
async def test_a_nurse_is_asked_where_she_accompanied_the_patient(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    async with billing_desktop(sqlite_server, tmp_path, profession="infirmier") as scene:
        controller = scene.billing
        controller.bill_button.click()
        await wait_for(lambda: scene.desktop.window.current_page == CLAIM)
        editor = controller.editor
        assert editor.activity.currentText() == "Accompagnement d’une téléconsultation"
        assert editor.setting.isVisible() and editor.setting.currentText() == "— à préciser —"
        assert "Précisez le lieu de l’accompagnement" in editor.notes.text()
        assert list(editor.lines.amounts) == []
        home = editor.setting.findData("domicile")
        editor.setting.setCurrentIndex(home)
        editor.setting.activated.emit(home)
        assert list(editor.lines.amounts) == ["TLD", "IFD"] and editor.lines.amounts["TLD"].text() == "15,00"
        assert editor.lines.amounts["IFD"].text() == "2,75" and editor.lines.flags["IFD"].text() == ""
        assert editor.total.text() == "Total : 17,75\u00a0€"  # TLD 15 € + IFD 2,75 €
        # Télésoin instead: TMI, whose amount (coefficient × lettre clé) is to enter and unverified.
        telesoin = editor.activity.findData("telesoin")
        editor.activity.setCurrentIndex(telesoin)
        editor.activity.activated.emit(telesoin)
        assert not editor.setting.isVisible() and list(editor.lines.amounts) == ["TMI"]
        assert (
            not editor.lines.amounts["TMI"].isReadOnly() and editor.lines.flags["TMI"].text() == "non vérifié"
        )
        type_into(editor.lines.amounts["TMI"], "9,60")
        QTest.keyClick(editor.lines.amounts["TMI"], Qt.Key.Key_Return)
        assert editor.total.text() == "Total : 9,60\u00a0€"
        override = controller.editor_presenter.claim.overrides[-1]  # type: ignore[union-attr]
        assert (override.code, str(override.new_amount), override.by) == ("TMI", "9.60", scene.doctor.id)


def shot(widget: QWidget, folder: Path, name: str) -> list[Path]:
    """Render `widget` into `folder/desktop-billing-<name>-light.png` and `-dark.png`
    (tests/desktop/ui/test_screenshots.py)."""
    return grab_schemes(widget, folder, f"desktop-billing-{name}")


@pytest.mark.asyncio
async def test_screenshots_of_the_claim_editor_and_the_billing_view(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    """Rendered on every run; copied to docs/screenshots/desktop-billing-*.png only with
    TELECONSULT_SCREENSHOTS=1 (the convention of tests/desktop/ui/test_screenshots.py)."""
    shots = tmp_path / "shots"
    shots.mkdir()
    async with billing_desktop(sqlite_server, tmp_path / "home") as scene:
        window, controller, ws = scene.desktop.window, scene.billing, scene.desktop.workspace
        window.resize(1280, 860)
        billing, payments = controller.billing.claims, controller.billing.payments
        people = [("Zoé", "Bernard"), ("Marc", "Petit"), ("Élodie", "Fournier"), ("Jean", "Le Saint-Jean")]
        steps = [(), ("exportee",), ("exportee", "teletransmise"), ("exportee", "teletransmise", "payee")]
        for day, ((first, last), moves) in enumerate(zip(people, steps, strict=True)):
            other = make_patient(sqlite_server, first_name=first, last_name=last)
            conversation_id = make_conversation(sqlite_server, scene.doctor, other)
            await wait_for(lambda c=conversation_id: ws.conversations.get(c) is not None)  # type: ignore[misc]
            performed = TUESDAY_MORNING.replace(day=24 - day, hour=9 + day)
            claim, _ = await billing.new_draft(
                conversation_id, ws.conversations.get(conversation_id).patient, performed
            )  # type: ignore[union-attr]
            claim.patient.birth_date, claim.patient.nir = datetime(1995, 10, 3).date(), VALID_NIR
            claim.patient.regime, claim.patient.caisse, claim.patient.centre = "01", "691", "0001"
            claim.parcours = Parcours.MEDECIN_TRAITANT
            await billing.mark_ready(claim, conversation_id)
            for status in moves:
                await billing.change_status(claim.id, ClaimStatus(status))
            asked = await payments.request(
                conversation_id, Decimal("7.50"), f"Téléconsultation du {24 - day} novembre 2026", claim.id
            )
            if day % 2:
                await payments.mark_paid(asked.id, "card_in_person")

        # « Demander un paiement » on Hélène Dupont's conversation, then its banner once paid by cheque.
        window.payment_action.trigger()
        dialog = controller.payment_dialog
        assert dialog is not None
        type_into(dialog.amount, "25,00")
        await wait_for(lambda: "Praticien conventionné secteur 1" in dialog.preview.text())
        shot(dialog, shots, "payment-request")
        dialog.submit.click()
        await wait_for(lambda: len(controller.banner.texts()) == 1)
        send(scene.http, scene.patient, scene.conversation_id, "Merci docteur, je vous règle par chèque.")
        (row,) = controller.banner.rows.values()
        next(a for a in row.buttons["mark_paid"].menu().actions() if a.data() == "cheque").trigger()
        await wait_for(lambda: len(system_bubbles(scene)) == 1 and len(controller.banner.texts()) == 1)
        await wait_for(lambda: controller.banner.texts()[0].startswith("Paiement réglé"))
        window.message_bar.hide()
        shot(window, shots, "payment-banner")

        # A child's claim: TCG + MEG (5 €, verified), the NIR of her insured parent mistyped.
        controller.offer_after_call(
            scene.conversation_id,
            TUESDAY_MORNING.replace(hour=17, minute=30),
            scene.desktop.workspace.clock(),
        )
        controller.call_end.bill.click()
        await wait_for(lambda: window.current_page == CLAIM)
        form = controller.editor.form
        form.line_edit("patient.first_name").setText("Zoé")
        form.edited.emit("patient.first_name", "Zoé")
        type_into(form.birth_date, "01032022")
        form.is_insured.setChecked(False)
        type_into(form.line_edit("patient.nir"), WRONG_KEY_NIR)
        for name, value in (("patient.regime", "01"), ("patient.caisse", "691"), ("patient.centre", "0001")):
            type_into(form.line_edit(name), value)
        index = form.parcours.findData("moins_de_16_ans")
        form.parcours.setCurrentIndex(index)
        form.parcours.activated.emit(index)
        assert list(controller.editor.lines.amounts) == ["TCG", "MEG"]
        assert controller.editor.lines.flags["MEG"].text() == ""
        assert controller.editor.lines.amounts["MEG"].isReadOnly()
        assert form.errors["patient.nir"].isVisible()
        window.message_bar.hide()
        shot(window, shots, "claim-editor")

        controller.show_billing()
        await wait_for(
            lambda: len(controller.page.claim_rows) == 4 and len(controller.page.payment_rows) == 5
        )
        assert [r.status_label for r in controller.page.claim_rows] == [
            "prête",
            "exportée",
            "télétransmise",
            "payée",
        ]
        window.message_bar.hide()
        shot(window, shots, "view")
        controller.page.tabs.setCurrentIndex(1)
        shot(window, shots, "payments")

    assert sorted(p.name for p in shots.iterdir()) == [
        "desktop-billing-claim-editor-dark.png",
        "desktop-billing-claim-editor-light.png",
        "desktop-billing-payment-banner-dark.png",
        "desktop-billing-payment-banner-light.png",
        "desktop-billing-payment-request-dark.png",
        "desktop-billing-payment-request-light.png",
        "desktop-billing-payments-dark.png",
        "desktop-billing-payments-light.png",
        "desktop-billing-view-dark.png",
        "desktop-billing-view-light.png",
    ]
    if os.environ.get("TELECONSULT_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        for image in shots.iterdir():
            shutil.copyfile(image, DOCS / image.name)


@pytest.mark.asyncio
async def test_the_editor_follows_the_payment_and_the_note_is_previewed(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    """Issue 12, item 2, on screen: the recorded payment unticks the tiers payant live; ticking it
    again warns under the field and « Marquer prête » refuses; the note is shown before it is sent,
    « Modifier » sends nothing."""
    async with billing_desktop(sqlite_server, tmp_path / "home") as scene:
        window, controller = scene.desktop.window, scene.billing
        claims = controller.billing.claims
        person = scene.desktop.workspace.conversations.get(scene.conversation_id).patient  # type: ignore[union-attr]
        earlier, _ = await claims.new_draft(scene.conversation_id, person, TUESDAY_MORNING.replace(day=10))
        earlier.patient.first_name, earlier.patient.birth_date = "Zoé", datetime(2022, 3, 1).date()
        earlier.patient.is_insured, earlier.patient.nir = False, VALID_NIR
        earlier.patient.regime, earlier.patient.caisse, earlier.patient.centre = "01", "691", "0001"
        earlier.parcours = Parcours.MOINS_DE_16_ANS
        await claims.mark_ready(earlier, scene.conversation_id)

        controller.offer_after_call(scene.conversation_id, TUESDAY_MORNING, scene.desktop.workspace.clock())
        controller.call_end.bill.click()
        await wait_for(lambda: window.current_page == CLAIM and controller.editor_presenter.claim is not None)
        editor, form = controller.editor, controller.editor.form
        claim = controller.editor_presenter.claim
        assert claim is not None and editor.total.text() == "Total : 30,00\u00a0€"  # TCG + MEG
        assert form.tiers_payant.isChecked() and not editor.payment_note.isVisible()
        editor.save.click()
        await wait_for(lambda: controller.editor_presenter.draft.stored is not None)

        asked = await controller.billing.payments.request(
            scene.conversation_id, Decimal("30.00"), "Téléconsultation", claim.id
        )
        paid = scene.http.post(
            f"/payments/{asked.id}/mark-paid", json={"method": "transfer"}, headers=scene.doctor.headers
        )
        assert paid.status_code == 200, paid.text
        await wait_for(lambda: not form.tiers_payant.isChecked())
        assert editor.payment_note.isVisible()
        assert editor.payment_note.text().startswith("Paiement enregistré : 30,00\u00a0€ par virement le ")

        form.tiers_payant.setFocus()
        QTest.keyClick(form.tiers_payant, Qt.Key.Key_Space)  # ticked again: contradicts the payment
        assert form.errors["tiers_payant_amo"].isVisible()
        assert form.errors["tiers_payant_amo"].text().startswith("Le patient a déjà tout réglé (30,00")
        editor.ready.click()
        assert window.message_bar.text.startswith("La feuille de soins n'est pas prête : corrigez")
        assert editor.status.text() == "brouillon"
        QTest.keyClick(form.tiers_payant, Qt.Key.Key_Space)
        assert not form.errors["tiers_payant_amo"].isVisible()
        editor.ready.click()
        await wait_for(lambda: editor.status.text() == "prête")

        editor.note.click()
        preview = await note_preview()
        text = preview.text.toPlainText()
        assert "par virement : 30,00" in text and "Note acquittée." in text  # plain spaces here
        assert "Reste à régler" not in text and "tiers payant" not in text
        assert preview.text.isReadOnly() and preview.edit.isDefault()
        # The real PDF (the renderer of the sent note), its first page drawn off the GUI thread.
        await wait_for(lambda: preview.count == 1)
        assert preview.position.text() == "Page 1 sur 1" and preview.page.accessibleName() == "Page 1 sur 1"
        assert non_blank(preview.page.pixmap().toImage())
        pdf_text = pdf_text_of(preview.pdf)
        assert "Total 30,00 €" in pdf_text and "par virement : 30,00 €" in pdf_text
        assert "APERÇU — non envoyé" in pdf_text and "N° attribué à l’envoi" in pdf_text
        QTest.keyClick(preview, Qt.Key.Key_Return)  # Entrée is « Modifier »'s: nothing is sent
        await wait_for(editor.note.isEnabled)  # the preview closed (and is gone)
        assert scene.http.get("/billing/notes", headers=scene.doctor.headers).json()["items"] == []
        editor.note.click()
        preview = await note_preview()
        preview.edit.click()  # « Modifier »: nothing numbered, nothing sent
        await wait_for(editor.note.isEnabled)  # the preview closed (and is gone)
        assert scene.http.get("/billing/notes", headers=scene.doctor.headers).json()["items"] == []
        editor.note.click()
        (await note_preview()).send.click()
        await wait_for(lambda: window.message_bar.text.startswith("Note d'honoraires N° 2026-"))
        notes = scene.http.get("/billing/notes", headers=scene.doctor.headers).json()["items"]
        assert [n["payment_id"] for n in notes] == [asked.id]

        # « Demander le paiement » again: nothing is owed, and asking more is refused in French.
        editor.payment.click()
        await wait_for(lambda: bool(controller.payment_dialog and controller.payment_dialog.isVisible()))
        dialog = controller.payment_dialog
        assert dialog is not None and dialog.amount.text() == ""
        assert "Déjà réglé pour cette consultation : 30,00\u00a0€ par virement le " in dialog.preview.text()
        type_into(dialog.amount, "5,00")
        dialog.submit.click()
        assert dialog.amount_error.text().startswith("Le patient a déjà réglé 30,00\u00a0€ par virement le ")
        assert [p["id"] for p in server_payments(scene)] == [asked.id]


@pytest.mark.asyncio
async def test_a_physiotherapist_types_the_coefficient_of_tmk_and_a_nurse_gets_each_setting(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    """Issue 12, item 12 on screen: TMK's coefficient has a field (a TMK claim could not be
    completed without one); the amounts come from the catalog."""
    catalog = BillingRules().catalog
    day = TUESDAY_MORNING.date()
    physio = "masseur_kinesitherapeute"
    async with billing_desktop(sqlite_server, tmp_path / "kine", profession=physio) as scene:
        controller = scene.billing
        controller.bill_button.click()
        await wait_for(lambda: scene.desktop.window.current_page == CLAIM)
        editor, form = controller.editor, controller.editor.form
        claim = controller.editor_presenter.claim
        assert claim is not None and list(editor.lines.amounts) == ["TMK"]
        assert editor.activity.currentText() == "Télésoin"
        for name, value in (
            ("patient.nir", VALID_NIR),
            ("patient.regime", "01"),
            ("patient.caisse", "691"),
            ("patient.centre", "0001"),
        ):
            type_into(form.line_edit(name), value)
        type_into(form.birth_date, "03101995")
        editor.ready.click()
        assert editor.lines.errors["act"].text().splitlines() == [
            "Saisissez le montant de TMK (coefficient × valeur de la lettre clé).",
            "Indiquez le coefficient de l’acte TMK (par exemple 1,6).",
        ]
        type_into(editor.lines.coefficients["TMK"], "7,5")
        QTest.keyClick(editor.lines.coefficients["TMK"], Qt.Key.Key_Tab)  # left: committed
        type_into(editor.lines.amounts["TMK"], "16,13")
        QTest.keyClick(editor.lines.amounts["TMK"], Qt.Key.Key_Return)
        assert claim.act is not None and claim.act.coefficient == Decimal("7.5")
        assert editor.problems.text() == "Feuille complète : elle peut être marquée « prête »."
        editor.ready.click()
        await wait_for(lambda: editor.status.text() == "prête")
        stored = scene.http.get("/billing/claims", headers=scene.doctor.headers).json()["items"]
        assert [(c["document"]["act"]["code"], c["document"]["act"]["coefficient"]) for c in stored] == [
            ("TMK", "7.5")
        ]

    async with billing_desktop(sqlite_server, tmp_path / "nurse", profession="infirmier") as scene:
        scene.billing.bill_button.click()
        await wait_for(lambda: scene.desktop.window.current_page == CLAIM)
        editor = scene.billing.editor
        for setting, code in (("lieu_dedie", "TLL"), ("soin_prevu", "TLS"), ("domicile", "TLD")):
            index = editor.setting.findData(setting)
            editor.setting.setCurrentIndex(index)
            editor.setting.activated.emit(index)
            assert next(iter(editor.lines.amounts)) == code
            tariff = catalog.acts[code].amount_on(day)
            assert tariff is not None and editor.lines.amounts[code].text() == amount_text(tariff)
            assert editor.lines.amounts[code].isReadOnly()  # a verified amount
        assert editor.form.line_edit("prescriber_rpps").isVisibleTo(editor)  # the teleconsulting doctor
