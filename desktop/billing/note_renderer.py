"""PDF rendering of the note d'honoraires and of the claim recap, with ReportLab (returns bytes).

Rendering is blocking CPU work (a few milliseconds): the desktop services run it in a thread;
builds are serialised by a lock, so one renderer may be shared between threads.
"""

from __future__ import annotations

import io
from threading import Lock
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table

from contracts.billing.catalog import Catalog, load_catalog
from contracts.billing.claims import Claim
from contracts.billing.reimbursement import estimate_reimbursement
from contracts.fr_format import eur, fr_punct, long_date, number, paris_datetime, short_date
from contracts.identifiers import format_nir
from desktop.billing.fee_notes import VAT_MENTION, FeeNote
from desktop.billing.pdf_style import (
    BOLD,
    PREVIEW_INK,
    REGULAR,
    canvas_maker,
    register_fonts,
    styles,
    table_style,
)

CREATOR = "Teleconsult"
TRANSMISSION_NOTICE = (
    "Teleconsult ne télétransmet pas cette demande : importez-la dans votre logiciel de facturation "
    "certifié SESAM-Vitale, qui la transmet à l’Assurance Maladie avec votre carte CPS."
)
_WIDTH = A4[0] - 40 * mm
_RENDER_LOCK = Lock()
PREVIEW_MARK = "APERÇU — non envoyé"
PREVIEW_NUMBER_TEXT = "attribué à l’envoi"


def _mark_preview(canvas: Any, _doc: Any) -> None:
    """Every page of a preview: « APERÇU — non envoyé » across the page and in its top margin."""
    canvas.saveState()
    canvas.setFillColor(PREVIEW_INK)
    canvas.setFont(BOLD, 11)
    canvas.drawCentredString(A4[0] / 2, A4[1] - 11 * mm, PREVIEW_MARK)
    canvas.setFillAlpha(0.18)
    canvas.setFont(BOLD, 48)
    canvas.translate(A4[0] / 2, A4[1] / 2)
    canvas.rotate(45)
    canvas.drawCentredString(0, 0, PREVIEW_MARK)
    canvas.restoreState()


def _p(text: str, style: Any) -> Paragraph:
    """A paragraph of plain text (escaped, French punctuation spaces)."""
    return Paragraph(escape(fr_punct(text)), style)


class ReportlabNoteRenderer:
    """Notes d'honoraires and claim recaps drawn with ReportLab, DejaVu fonts embedded."""

    def __init__(self, catalog: Catalog | None = None) -> None:
        register_fonts()
        self.catalog = catalog if catalog is not None else load_catalog()
        self._styles = styles()

    def _build(
        self, story: list[Any], *, title: str, author: str, subject: str, preview: bool = False
    ) -> bytes:
        with _RENDER_LOCK:  # ReportLab keeps per-font subset state and global settings: one build at a time
            return self._build_unlocked(story, title=title, author=author, subject=subject, preview=preview)

    def _build_unlocked(
        self, story: list[Any], *, title: str, author: str, subject: str, preview: bool
    ) -> bytes:
        buffer = io.BytesIO()
        doc = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=20 * mm,
            rightMargin=20 * mm,
            topMargin=18 * mm,
            bottomMargin=18 * mm,
            title=title,
            author=author,
            subject=subject,
            creator=CREATOR,
            lang="fr-FR",
        )
        if preview:
            doc.build(
                story, onFirstPage=_mark_preview, onLaterPages=_mark_preview, canvasmaker=canvas_maker()
            )
        else:
            doc.build(story, canvasmaker=canvas_maker())
        return buffer.getvalue()

    # ---------------------------------------------------------------- note d'honoraires
    def render_note(self, note: FeeNote, *, preview: bool = False) -> bytes:
        """The note d'honoraires as PDF bytes.

        `preview`: the note shown before sending, whose number the server has not given yet: it
        reads « N° attribué à l'envoi » and every page is marked « APERÇU — non envoyé ». The
        document sent to the patient (`preview=False`) carries no such mark.
        """
        s, who = self._styles, note.practitioner
        number = PREVIEW_NUMBER_TEXT if preview else note.number
        header = Table(
            [[_p("Note d’honoraires", s["title"]), _p(f"N° {number}", s["right_bold"])],
             ["", _p(f"Émise le {long_date(note.issued_on)}", s["right"])]],
            colWidths=[_WIDTH * 0.6, _WIDTH * 0.4],
            style=[("FONTNAME", (0, 0), (-1, -1), REGULAR), ("VALIGN", (0, 0), (-1, -1), "BOTTOM")],
        )  # fmt: skip
        practitioner = [_p(who.full_name, s["bold"]), _p(who.title, s["base"])]
        practitioner += [_p(line, s["base"]) for line in who.address_lines]
        if who.phone:
            practitioner.append(_p(f"Tél. : {who.phone}", s["base"]))
        practitioner += [
            _p(f"N° RPPS : {who.rpps}", s["base"]),
            _p(f"N° Assurance Maladie : {who.am_number}", s["base"]),
            _p(who.profile.sector_label, s["base"]),
        ]
        patient = [_p("Patient", s["bold"]), _p(note.patient_name, s["base"])]
        if note.patient_birth_date:
            patient.append(_p(f"Date de naissance : {long_date(note.patient_birth_date)}", s["base"]))
        parties = Table(
            [[practitioner, patient]],
            colWidths=[_WIDTH * 0.55, _WIDTH * 0.45],
            style=[("FONTNAME", (0, 0), (-1, -1), REGULAR), ("VALIGN", (0, 0), (-1, -1), "TOP")],
        )
        rows: list[list[Any]] = [["Date", "Code", "Libellé", "Mode", "Montant"]]
        for line in note.lines:
            label, mode, amount = (
                _p(line.label, s["base"]),
                _p(line.mode_label, s["base"]),
                _p(eur(line.amount), s["right"]),
            )
            rows.append([short_date(line.performed_on), line.code, label, mode, amount])
        if note.depassement:
            rows.append(
                ["", "", _p("Dépassement d’honoraires", s["base"]), "", _p(eur(note.depassement), s["right"])]
            )
        rows.append(["", "", "Total", "", _p(eur(note.total), s["right_bold"])])
        acts = Table(
            rows,
            # The mode column holds « accompagnement de téléconsultation » (a nurse) without breaking a word.
            colWidths=[_WIDTH * 0.14, _WIDTH * 0.08, _WIDTH * 0.36, _WIDTH * 0.26, _WIDTH * 0.16],
            style=table_style(header=True, total_row=True),
            repeatRows=1,
        )
        story: list[Any] = [header, Spacer(1, 6 * mm), parties, Spacer(1, 7 * mm), acts, Spacer(1, 4 * mm)]
        story += self._payment(note)
        story += [_p(text, s["base"]) for text in note.notes]
        story += [Spacer(1, 6 * mm), _p(VAT_MENTION, s["bold"])]
        return self._build(
            story,
            title=f"{PREVIEW_MARK} — " * preview + f"Note d’honoraires N° {number}",
            author=who.full_name,
            subject="Note d’honoraires — téléconsultation",
            preview=preview,
        )

    def _payment(self, note: FeeNote) -> list[Any]:
        s = self._styles
        *lines, last = note.payment_lines()
        return [_p(text, s["base"]) for text in lines] + [_p(last, s["bold"])]

    # ---------------------------------------------------------------- claim recap
    def render_claim_recap(self, claim: Claim) -> bytes:
        """The recap of a SESAM-sans-Vitale claim as PDF bytes (for the practitioner's records)."""
        s, p, pr = self._styles, claim.patient, claim.practitioner
        estimate = estimate_reimbursement(claim, self.catalog)
        act = self.catalog.acts.get(claim.act.code) if claim.act else None
        fields: list[tuple[str, str]] = [
            ("Statut", claim.status.label),
            ("Acte réalisé le", paris_datetime(claim.performed_at)),
            ("Mode", f"SESAM sans Vitale — {act.mode_label if act else 'téléconsultation'}"),
            ("Patient", f"{p.full_name}, né(e) le {long_date(p.birth_date)}, rang {p.birth_rank}"),
            (
                "NIR de l’assuré",
                format_nir(p.nir) + ("" if p.is_insured else " (le patient n’est pas l’assuré)"),
            ),
            ("Organisme", f"régime {p.regime or '—'}, caisse {p.caisse or '—'}, centre {p.centre or '—'}"),
            ("Praticien", pr.full_name or "—"),
            ("RPPS / N° AM", f"{pr.rpps} / {pr.am_number}"),
            ("Spécialité", f"{pr.profile.label} (code {pr.specialty_code})"),
            ("Prescripteur (RPPS)", claim.prescriber_rpps or "—"),
            ("Médecin traitant orienteur (RPPS)", claim.referring_rpps or "—"),
            ("Parcours de soins", claim.parcours.label if claim.parcours else "non renseigné"),
            ("Nature d’assurance", claim.nature.label),
            ("Exonération", claim.exoneration.label),
            ("Tiers payant AMO", "oui" if claim.tiers_payant_amo else "non"),
        ]
        identity = Table(
            [[_p(k, s["bold"]), _p(v, s["base"])] for k, v in fields],
            colWidths=[_WIDTH * 0.3, _WIDTH * 0.7],
            style=table_style(header=False),
        )
        rows: list[list[Any]] = [["Code", "Libellé", "Coefficient", "Montant"]]
        for line in claim.lines:
            amount = "à saisir" if line.amount is None else eur(line.amount)
            if line.amount_unverified:
                amount += " (non vérifié)"
            coefficient = "" if line.coefficient is None else number(line.coefficient)
            rows.append([line.code, _p(line.label, s["base"]), coefficient, _p(amount, s["right"])])
        if claim.depassement:
            rows.append(
                ["", _p("Dépassement d’honoraires", s["base"]), "", _p(eur(claim.depassement), s["right"])]
            )
        rows.append(["", "Total", "", _p(eur(claim.total), s["right_bold"])])
        lines = Table(rows, colWidths=[_WIDTH * 0.12, _WIDTH * 0.5, _WIDTH * 0.14, _WIDTH * 0.24],
                      style=table_style(header=True, total_row=True), repeatRows=1)  # fmt: skip
        story: list[Any] = [
            _p("Récapitulatif de demande de remboursement", s["title"]),
            _p("SESAM sans Vitale — document de travail, non transmis à l’Assurance Maladie", s["small"]),
            Spacer(1, 5 * mm), identity, Spacer(1, 5 * mm), lines, Spacer(1, 3 * mm),
            _p(estimate.summary + " Montant indicatif, non garanti.", s["base"]),
        ]  # fmt: skip
        story += [_p(n, s["small"]) for n in estimate.notes]
        if claim.overrides:
            rows = [["Ligne", "Ancien", "Nouveau", "Par", "Le", "Raison"]]
            for o in claim.overrides:
                old = "—" if o.old_amount is None else eur(o.old_amount)
                when, reason = _p(paris_datetime(o.at), s["small"]), _p(o.reason or "—", s["small"])
                rows.append([o.code, old, eur(o.new_amount), _p(o.by, s["small"]), when, reason])
            widths = [0.1, 0.13, 0.13, 0.16, 0.26, 0.22]
            story += [
                _p("Montants modifiés", s["heading"]),
                Table(rows, colWidths=[_WIDTH * w for w in widths], style=table_style(header=True)),
            ]
        story.append(KeepTogether([_p(TRANSMISSION_NOTICE, s["notice"])]))
        return self._build(
            story,
            title="Récapitulatif de demande de remboursement",
            author=pr.full_name or CREATOR,
            subject="Demande SESAM sans Vitale — téléconsultation",
        )
