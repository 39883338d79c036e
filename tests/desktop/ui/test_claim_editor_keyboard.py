"""The claim editor with the keyboard alone (issue 12, item 3), against a real server.

Every key goes through `Keys`, which sends QTest key events to the widget that has the focus and
counts them: a chord (Ctrl+Entrée) is one keystroke, a typed digit is one. Measured: a complete
claim for a returning patient after « Facturer », and a first claim typed field by field. Also:
the birth date takes typed digits, the declared context keeps the right column on screen, « Vous
êtes le médecin traitant » sets the parcours, and « orienté par le médecin traitant » asks the
referring doctor's RPPS.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QScrollArea, QWidget

from contracts.billing.claim_parts import Parcours
from desktop.ui.billing.billing_controller import CLAIM
from tests.contracts.billing.conftest import VALID_RPPS
from tests.desktop.services.harness import wait_for
from tests.desktop.ui.test_billing_ui import TUESDAY_MORNING, VALID_NIR, Scene, billing_desktop
from tests.helpers.live_server import LiveServer


class Keys:
    """Key events to the focused widget, counted."""

    def __init__(self) -> None:
        self.count = 0

    @staticmethod
    def focused() -> QWidget:
        widget = QApplication.focusWidget()
        assert widget is not None, "nothing has the keyboard focus"
        return widget

    def press(self, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        self.count += 1
        QTest.keyClick(self.focused(), key, modifier)

    def type(self, text: str) -> None:
        for char in text:
            self.count += 1
            QTest.keyClicks(self.focused(), char)

    def tab_to(self, target: QWidget, limit: int = 40) -> None:
        """Tab until `target` has the focus (each Tab counted); fails past `limit`."""
        for _ in range(limit):
            if self.focused() is target:
                return
            self.press(Qt.Key.Key_Tab)
        raise AssertionError(f"Tab never reached {target.objectName()}")


async def open_editor(scene: Scene) -> None:
    window, controller = scene.desktop.window, scene.billing
    controller.offer_after_call(scene.conversation_id, TUESDAY_MORNING, scene.desktop.workspace.clock())
    controller.call_end.bill.click()  # « Facturer cette téléconsultation »
    await wait_for(lambda: window.current_page == CLAIM and controller.editor_presenter.claim is not None)
    await wait_for(lambda: QApplication.focusWidget() is not None)


def stored_claims(scene: Scene) -> list[dict[str, object]]:
    items = scene.http.get("/billing/claims", headers=scene.doctor.headers).json()["items"]
    assert isinstance(items, list)
    return items


@pytest.mark.asyncio
async def test_a_first_claim_typed_with_the_keyboard_alone(sqlite_server: LiveServer, tmp_path: Path) -> None:
    async with billing_desktop(sqlite_server, tmp_path / "home") as scene:
        await open_editor(scene)
        editor, keys = scene.billing.editor, Keys()
        form = editor.form
        claim = scene.billing.editor_presenter.claim
        assert claim is not None
        # The patient's name came from the conversation: the first field to fill has the focus.
        assert keys.focused() is form.birth_date
        keys.type("03101995")  # typed digits, not 85 arrow presses
        assert claim.patient.birth_date == date(1995, 10, 3)
        assert form.birth_date.text() == "03/10/1995"
        keys.tab_to(form.line_edit("patient.nir"))
        keys.type(VALID_NIR)
        for name, value in (("patient.regime", "01"), ("patient.caisse", "691"), ("patient.centre", "0001")):
            keys.tab_to(form.line_edit(name))
            keys.type(value)
        keys.tab_to(form.parcours)
        keys.type("m")  # the list jumps to « Médecin traitant »
        assert form.parcours.currentData() == Parcours.MEDECIN_TRAITANT.value
        assert claim.parcours is Parcours.MEDECIN_TRAITANT
        assert editor.problems.text() == "Feuille complète : elle peut être marquée « prête »."
        keys.press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        await wait_for(lambda: editor.status.text() == "prête")
        assert [c["status"] for c in stored_claims(scene)] == ["prete"]
        print(f"\nfirst claim, keyboard only: {keys.count} keystrokes")
        assert keys.count <= 45


@pytest.mark.asyncio
async def test_a_returning_patient_is_billed_in_at_most_ten_keystrokes(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    async with billing_desktop(sqlite_server, tmp_path / "home") as scene:
        claims = scene.billing.billing.claims
        person = scene.desktop.workspace.conversations.get(scene.conversation_id).patient  # type: ignore[union-attr]
        earlier, _ = await claims.new_draft(scene.conversation_id, person, TUESDAY_MORNING.replace(day=10))
        earlier.patient.birth_date, earlier.patient.nir = date(1995, 10, 3), VALID_NIR
        earlier.patient.regime, earlier.patient.caisse, earlier.patient.centre = "01", "691", "0001"
        earlier.parcours, earlier.referring_rpps = Parcours.ORIENTE_PAR_MT, VALID_RPPS
        earlier.flags = frozenset({"coordination"})
        await claims.mark_ready(earlier, scene.conversation_id)

        await open_editor(scene)  # « Facturer »: from here on, keys only
        editor, keys = scene.billing.editor, Keys()
        claim = scene.billing.editor_presenter.claim
        assert claim is not None and claim.id != earlier.id
        assert (claim.patient.nir, claim.parcours, claim.referring_rpps) == (
            VALID_NIR,
            Parcours.ORIENTE_PAR_MT,
            VALID_RPPS,
        )
        assert editor.problems.text() == "Feuille complète : elle peut être marquée « prête »."
        assert keys.focused() is editor.ready  # nothing to fill: « Marquer prête » has the focus
        keys.press(Qt.Key.Key_Space)
        await wait_for(lambda: editor.status.text() == "prête")
        statuses = sorted(str(c["status"]) for c in stored_claims(scene))
        assert statuses == ["prete", "prete"]
        print(f"\nreturning patient after « Facturer »: {keys.count} keystroke(s)")
        assert keys.count <= 10


@pytest.mark.asyncio
async def test_context_parcours_and_referring_doctor(sqlite_server: LiveServer, tmp_path: Path) -> None:
    async with billing_desktop(sqlite_server, tmp_path / "home") as scene:
        window = scene.desktop.window
        window.resize(1180, 760)
        await open_editor(scene)
        editor, keys = scene.billing.editor, Keys()
        form = editor.form
        claim = scene.billing.editor_presenter.claim
        assert claim is not None and claim.parcours is None

        # « Contexte déclaré » opened with the keyboard: the right column stays on screen.
        editor.flags_toggle.setFocus()
        keys.press(Qt.Key.Key_Space)
        await wait_for(lambda: editor.flags_box.isVisible())
        QApplication.processEvents()
        scroll = editor.findChild(QScrollArea)
        assert scroll is not None
        viewport = scroll.viewport()
        right = form.mapTo(viewport, QPoint(form.width(), 0)).x()
        assert right <= viewport.width(), (right, viewport.width())
        # Tab goes from the toggle into the boxes it opened.
        keys.press(Qt.Key.Key_Tab)
        first = next(iter(editor.flags.values()))
        assert keys.focused() is first

        # « Vous êtes le médecin traitant » sets the parcours.
        keys.tab_to(editor.flags["medecin_traitant"])
        keys.press(Qt.Key.Key_Space)
        assert claim.parcours is Parcours.MEDECIN_TRAITANT
        assert form.parcours.currentData() == Parcours.MEDECIN_TRAITANT.value
        keys.press(Qt.Key.Key_Space)  # unticked: the parcours is to choose again
        assert claim.parcours is None and form.parcours.currentData() is None

        # « Orienté par le médecin traitant » asks the referring doctor's RPPS.
        referring = form.line_edit("referring_rpps")
        assert not referring.isVisibleTo(editor)
        index = form.parcours.findData(Parcours.ORIENTE_PAR_MT.value)
        form.parcours.setCurrentIndex(index)
        form.parcours.activated.emit(index)
        assert referring.isVisibleTo(editor)
        editor.ready.click()  # every problem shows
        assert form.errors["referring_rpps"].text() == (
            "Indiquez le RPPS du médecin traitant qui a orienté le patient."
        )
        referring.setFocus()
        keys.type(VALID_RPPS)
        assert claim.referring_rpps == VALID_RPPS and not form.errors["referring_rpps"].isVisible()
