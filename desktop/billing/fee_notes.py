"""The note d'honoraires (fee note): its content, built from a claim or by hand, ready to render.

The note's number is allocated elsewhere (by the server: one gap-free sequence per practitioner and
year) and only checked here for its shape, « 2026-0042 ».
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from contracts.billing.catalog import Catalog, load_catalog
from contracts.billing.claims import Claim
from contracts.billing.errors import BillingError
from contracts.billing.professions import PractitionerProfile
from contracts.billing.reimbursement import estimate_reimbursement
from contracts.clock import paris_day
from contracts.fr_format import cents, eur, long_date

NOTE_NUMBER = re.compile(r"^\d{4}-\d{4,}$")
VAT_MENTION = "TVA non applicable, art. 261-4-1° du CGI"
ZERO = Decimal("0.00")


class PaymentMethod(StrEnum):
    """How the patient paid."""

    CARTE_BANCAIRE = "carte_bancaire"
    PAIEMENT_EN_LIGNE = "paiement_en_ligne"
    VIREMENT = "virement"
    CHEQUE = "cheque"
    ESPECES = "especes"
    TIERS_PAYANT_INTEGRAL = "tiers_payant_integral"

    @property
    def label(self) -> str:
        """French label, as printed on the note."""
        return _PAYMENT_LABELS[self]


_PAYMENT_LABELS = {
    PaymentMethod.CARTE_BANCAIRE: "carte bancaire",
    PaymentMethod.PAIEMENT_EN_LIGNE: "paiement en ligne",
    PaymentMethod.VIREMENT: "virement",
    PaymentMethod.CHEQUE: "chèque",
    PaymentMethod.ESPECES: "espèces",
    PaymentMethod.TIERS_PAYANT_INTEGRAL: "tiers payant intégral",
}


@dataclass(frozen=True, slots=True)
class PractitionerIdentity:
    """What the note says about the practitioner."""

    full_name: str
    profile: PractitionerProfile
    rpps: str
    am_number: str
    address_lines: tuple[str, ...] = ()
    qualification: str | None = None
    phone: str | None = None

    @property
    def title(self) -> str:
        """The qualification line: given, or derived from the profession and specialty."""
        return self.qualification or self.profile.label


@dataclass(frozen=True, slots=True)
class FeeNoteLine:
    """One billed act or majoration."""

    performed_on: date
    code: str
    label: str
    mode_label: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class FeeNote:
    """A note d'honoraires.

    Raises:
        BillingError: a malformed number, no line, or a paid amount above the total.
    """

    number: str
    issued_on: date
    practitioner: PractitionerIdentity
    patient_name: str
    lines: tuple[FeeNoteLine, ...]
    patient_birth_date: date | None = None
    depassement: Decimal = ZERO
    tiers_payant_amount: Decimal = ZERO
    payment_method: PaymentMethod | None = None
    paid_amount: Decimal | None = None
    paid_on: date | None = None
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if not NOTE_NUMBER.match(self.number):
            raise BillingError(
                f"Numéro de note d’honoraires invalide : « {self.number} » (attendu : 2026-0042)."
            )
        if not self.lines:
            raise BillingError("Une note d’honoraires porte au moins un acte.")
        if self.paid_amount is not None and self.paid_amount + self.tiers_payant_amount > self.total:
            raise BillingError("Le montant réglé dépasse le total de la note.")

    @property
    def total(self) -> Decimal:
        """Sum of the lines and the dépassement."""
        return cents(sum((line.amount for line in self.lines), ZERO) + self.depassement)

    @property
    def remaining(self) -> Decimal:
        """What the patient still owes."""
        return cents(self.total - self.tiers_payant_amount - (self.paid_amount or ZERO))

    def summary(self, number_text: str | None = None) -> str:
        """The note as plain text, what its PDF says (the preview before sending).

        `number_text` replaces the number (« attribué à l'envoi » before the server gives it).
        """
        who = self.practitioner
        head = [
            f"Note d’honoraires N° {number_text or self.number}",
            f"Émise le {long_date(self.issued_on)}",
            "",
            who.full_name,
            who.title,
            *who.address_lines,
            f"N° RPPS : {who.rpps}",
            f"N° Assurance Maladie : {who.am_number}",
            who.profile.sector_label,
            "",
            f"Patient : {self.patient_name}",
        ]
        if self.patient_birth_date:
            head.append(f"Date de naissance : {long_date(self.patient_birth_date)}")
        acts = [
            f"{line.performed_on.strftime('%d/%m/%Y')}  {line.code}  {line.label} ({line.mode_label}) : "
            f"{eur(line.amount)}"
            for line in self.lines
        ]
        if self.depassement:
            acts.append(f"Dépassement d’honoraires : {eur(self.depassement)}")
        return "\n".join(
            [*head, "", *acts, f"Total : {eur(self.total)}", "", *self.payment_lines(), "", VAT_MENTION]
        )

    def payment_lines(self) -> list[str]:
        """The payment part, as printed on the note and shown in its preview.

        « Dont part Assurance Maladie en tiers payant : 21,00 € » when there is one; « Réglé le
        24 novembre 2026 par virement : 30,00 € » when the patient paid; then « Reste à régler : … »
        or « Note acquittée. ».
        """
        lines = []
        if self.tiers_payant_amount:
            lines.append(f"Dont part Assurance Maladie en tiers payant : {eur(self.tiers_payant_amount)}")
        if self.paid_amount is not None:
            when = f" le {long_date(self.paid_on)}" if self.paid_on else ""
            how = f" par {self.payment_method.label}" if self.payment_method else ""
            lines.append(f"Réglé{when}{how} : {eur(self.paid_amount)}")
        lines.append(f"Reste à régler : {eur(self.remaining)}" if self.remaining else "Note acquittée.")
        return lines


def fee_note_from_claim(
    claim: Claim,
    *,
    number: str,
    practitioner: PractitionerIdentity,
    issued_on: date,
    payment_method: PaymentMethod | None = None,
    paid_amount: Decimal | None = None,
    paid_on: date | None = None,
    catalog: Catalog | None = None,
) -> FeeNote:
    """The note d'honoraires of `claim`: its lines, the tiers payant part (estimated) and the payment.

    `issued_on` is the day the note is issued (Paris); each line carries the day of the act.

    Raises:
        BillingError: when a line of the claim still has no amount.
    """
    catalog = catalog if catalog is not None else load_catalog()
    day = paris_day(claim.performed_at)
    act = catalog.acts.get(claim.act.code) if claim.act else None
    mode = act.mode_label if act else "téléconsultation"
    lines: list[FeeNoteLine] = []
    for line in claim.lines:
        if line.amount is None:
            raise BillingError(f"Saisissez le montant de {line.code} avant d’établir la note d’honoraires.")
        lines.append(FeeNoteLine(day, line.code, line.label, mode, line.amount))
    tiers_payant = estimate_reimbursement(claim, catalog).paid_by_amo_to_practitioner
    return FeeNote(
        number=number,
        issued_on=issued_on,
        practitioner=practitioner,
        patient_name=claim.patient.full_name,
        patient_birth_date=claim.patient.birth_date,
        lines=tuple(lines),
        depassement=claim.depassement,
        tiers_payant_amount=tiers_payant,
        payment_method=payment_method,
        paid_amount=paid_amount,
        paid_on=paid_on,
    )
