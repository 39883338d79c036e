"""Billing a remote act: draft the claim from the act catalog, validate it, store it, export it.

`ClaimService` is Qt-free and async. It builds the SESAM-sans-Vitale claim from the call (the
`ActSuggester` of `desktop.billing`, with profession, specialty and sector from `/me`), validates
it with `ClaimValidator` (one French message per field), stores it on the server (drafts, then
« prête »; statuses and their history are the server's), and exports claims as JSON or CSV files
for the practitioner's SESAM-Vitale certified software (`ClaimExporter`), or as a PDF recap.
Teleconsult never transmits a claim: the certified software does, with the CPS card.

Blocking work (PDF rendering, file writes) runs in a thread. Billing errors of the domain
(`BillingError`) reach callers as `UserFacingError`s with the same French message.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from contracts.billing.claims import TRANSITIONS, Claim, ClaimPatient, ClaimStatus, draft_from_suggestion
from contracts.billing.document import ClaimDocument, claim_from_dict
from contracts.billing.errors import BillingError, Problem
from contracts.billing.professions import Activity, NurseSetting
from contracts.billing.reimbursement import ReimbursementEstimate, estimate_reimbursement
from contracts.billing.rules import BillingRules
from contracts.billing.suggestions import ActSuggester, Suggestion, SuggestionRequest
from contracts.billing.validation import ClaimValidator
from contracts.clock import Clock, paris_day
from contracts.wire.accounts import PersonPublic, UserPublic
from contracts.wire.billing import ClaimEvent, ClaimPublic
from desktop.billing.billing_profile import BillingProfile
from desktop.billing.export import ClaimExporter, ExportKind
from desktop.domain.errors import UserFacingError
from desktop.kernel.events import Event

if TYPE_CHECKING:
    from desktop.billing.note_renderer import ReportlabNoteRenderer

log = logging.getLogger(__name__)

# Declared facts about the patient (not about this act) that the next claim of the conversation keeps.
PATIENT_FLAGS = frozenset({"medecin_traitant", "sans_medecin_traitant", "hors_patientele_mt"})
UNKNOWN_BIRTH_DATE = date(1900, 1, 1)  # a draft's birth date not entered yet (the form shows « à saisir »)
TRANSMISSION_NOTICE = (
    "La télétransmission se fait dans votre logiciel agréé SESAM-Vitale avec votre carte CPS : "
    "Teleconsult prépare et exporte la feuille de soins."
)


class BillingServer(Protocol):
    """The billing routes (`desktop.billing.api_client.BillingApiClient`)."""

    async def me(self) -> UserPublic: ...
    async def create_claim(self, document: ClaimDocument, conversation_id: str | None) -> ClaimPublic: ...
    async def update_claim(
        self, claim_id: str, document: ClaimDocument, conversation_id: str | None, version: int | None
    ) -> ClaimPublic: ...
    async def claim(self, claim_id: str) -> ClaimPublic: ...
    async def claims(
        self,
        *,
        status: str | None = None,
        day_from: date | None = None,
        day_to: date | None = None,
        limit: int = 200,
    ) -> list[ClaimPublic]: ...
    async def set_claim_status(self, claim_id: str, status: str, note: str | None = None) -> ClaimPublic: ...


@dataclass
class ClaimRecord:
    """A claim as stored on the server, with what the server adds (version, conversation)."""

    claim: Claim
    conversation_id: str | None
    version: int | None = None  # None: not stored yet
    updated_at: datetime | None = None  # None: not stored yet

    @property
    def id(self) -> str:
        return self.claim.id

    @property
    def status(self) -> ClaimStatus:
        return self.claim.status

    @classmethod
    def of(cls, stored: ClaimPublic) -> ClaimRecord:
        """A claim the server answered; its document read by `claim_from_dict`.

        Raises:
            UserFacingError: the document cannot be read (its French message).
        """
        try:
            claim = claim_from_dict(stored.document)
        except BillingError as exc:
            raise UserFacingError(exc.message) from exc
        return cls(claim, stored.conversation_id, stored.version, stored.updated_at)


def user_facing(exc: BillingError) -> UserFacingError:
    """A billing domain error as the app's user-facing error (same French message)."""
    return UserFacingError(exc.message)


class ClaimService:
    """Claims of the signed-in practitioner."""

    def __init__(
        self,
        server: BillingServer,
        *,
        clock: Clock,
        rules: BillingRules | None = None,
    ) -> None:
        self._server = server
        self.rules = rules if rules is not None else BillingRules()
        self.clock = clock
        self.suggester = ActSuggester(self.rules)
        self.validator = ClaimValidator(clock, self.rules)
        self.exporter = ClaimExporter(clock, self.rules.catalog)
        self._renderer: ReportlabNoteRenderer | None = None
        self._profile: BillingProfile | None = None
        self.records: dict[str, ClaimRecord] = {}
        self.claims_changed: Event[str] = Event()  # claim id, or "" after a refresh of many
        self.profile_changed: Event[BillingProfile] = Event()

    # ---------------------------------------------------------------- the practitioner
    @property
    def profile(self) -> BillingProfile | None:
        return self._profile

    async def load_profile(self, *, force: bool = False) -> BillingProfile:
        """The practitioner's billing facts from `/me` (read once, again when `force`)."""
        if self._profile is None or force:
            self._profile = BillingProfile.of(await self._server.me())
            self.profile_changed.emit(self._profile)
        return self._profile

    def forget_profile(self) -> None:
        """The account may have changed: `load_profile` reads `/me` again."""
        self._profile = None

    def renderer(self) -> ReportlabNoteRenderer:
        """The PDF renderer, made on first use (call from a worker thread: it imports ReportLab and
        registers fonts, which the app's start-up does not pay for)."""
        if self._renderer is None:
            from desktop.billing.note_renderer import ReportlabNoteRenderer

            self._renderer = ReportlabNoteRenderer(self.rules.catalog)
        return self._renderer

    # ---------------------------------------------------------------- drafting
    async def new_draft(
        self,
        conversation_id: str | None,
        patient: PersonPublic | None,
        performed_at: datetime,
        *,
        activity: Activity | None = None,
        setting: NurseSetting | None = None,
    ) -> tuple[Claim, Suggestion]:
        """A draft for the act performed at `performed_at`, pre-filled by the act suggester.

        The patient's fields come from the conversation's latest claim when there is one (same
        patient, next visit), else their name only. Raises UserFacingError when the profession
        bills no act of the catalog.
        """
        profile = await self.load_profile()
        if profile.profile is None:
            raise UserFacingError(
                "Votre profession ne facture aucun acte de télésanté du catalogue : "
                "il n'y a pas de feuille de soins à préparer."
            )
        previous = await self.latest_of(conversation_id) if conversation_id else None
        earlier = previous.claim if previous is not None else None
        if earlier is not None:
            old = earlier.patient
            claim_patient = ClaimPatient(
                old.last_name, old.first_name, old.birth_date, old.nir, old.birth_rank,
                old.is_insured, old.regime, old.caisse, old.centre,
            )  # fmt: skip
        else:
            claim_patient = ClaimPatient(
                patient.last_name if patient else "", patient.first_name if patient else "",
                UNKNOWN_BIRTH_DATE, "",
            )  # fmt: skip
        practitioner = profile.claim_practitioner(
            am_number=earlier.practitioner.am_number if earlier else "",
            specialty_code=earlier.practitioner.specialty_code if earlier else "",
        )
        flags = earlier.flags & PATIENT_FLAGS if earlier is not None else frozenset()
        suggestion = self.suggest_for(
            Claim(
                claim_patient, practitioner, performed_at, setting=setting, flags=flags,
                created_at=self.clock(),
            ),
            activity,
        )  # fmt: skip
        claim = draft_from_suggestion(
            suggestion,
            claim_patient,
            practitioner,
            created_at=self.clock(),
            flags=flags,
            setting=setting,
            catalog_sha256=self.rules.catalog.origin_sha256,
        )
        if earlier is not None:  # the same patient's next visit: their coverage is as it was
            claim.parcours = earlier.parcours
            claim.parcours_indicator_confirmed = earlier.parcours_indicator_confirmed
            claim.referring_rpps = earlier.referring_rpps
            claim.nature = earlier.nature
            claim.exoneration = earlier.exoneration
            claim.tiers_payant_amo = earlier.tiers_payant_amo
        return claim, suggestion

    def suggest_for(self, claim: Claim, activity: Activity | None = None) -> Suggestion:
        """What the act suggester proposes for the draft's practitioner, time, patient and context."""
        known = claim.patient.birth_date != UNKNOWN_BIRTH_DATE
        return self.suggester.suggest(
            SuggestionRequest(
                claim.practitioner.profile,
                claim.performed_at,
                patient_birth_date=claim.patient.birth_date if known else None,
                activity=activity,
                setting=claim.setting,
                flags=claim.flags,
            )
        )

    def resuggest(self, claim: Claim, activity: Activity | None = None) -> Suggestion:
        """Replace the draft's act and majorations with a fresh suggestion (amount overrides dropped)."""
        suggestion = self.suggest_for(claim, activity)
        fresh = draft_from_suggestion(suggestion, claim.patient, claim.practitioner, created_at=self.clock())
        claim.act, claim.majorations, claim.overrides = fresh.act, fresh.majorations, []
        return suggestion

    def validate(self, claim: Claim) -> list[Problem]:
        """Every problem keeping the claim from « prête », each naming its field."""
        problems = self.validator.validate(claim)
        if claim.patient.birth_date == UNKNOWN_BIRTH_DATE:
            problems = [p for p in problems if p.field != "patient.nir" or "année" not in p.message]
            problems.insert(0, Problem("patient.birth_date", "Saisissez la date de naissance du patient."))
        return problems

    def estimate(self, claim: Claim) -> ReimbursementEstimate:
        return estimate_reimbursement(claim, self.rules.catalog)

    # ---------------------------------------------------------------- storing
    async def save_draft(self, claim: Claim, conversation_id: str | None) -> ClaimRecord:
        """Store the draft on the server (created the first time, replaced afterwards)."""
        if claim.status is not ClaimStatus.BROUILLON:
            raise UserFacingError(f"La demande est « {claim.status.label} » : elle n'est plus un brouillon.")
        known = self.records.get(claim.id)
        document = ClaimDocument.of(claim)
        if known is None or known.version is None:
            data = await self._server.create_claim(document, conversation_id)
        else:
            data = await self._server.update_claim(claim.id, document, conversation_id, known.version)
        return self._keep(data)

    async def mark_ready(self, claim: Claim, conversation_id: str | None) -> ClaimRecord:
        """Validate, store, then move to « prête » on the server.

        Raises:
            UserFacingError: the claim has problems (all listed), or the server refused.
        """
        problems = self.validate(claim)
        if problems:
            raise UserFacingError(
                f"La feuille de soins n'est pas prête ({len(problems)} problème"
                f"{'s' if len(problems) > 1 else ''}) : {problems[0].message}",
                field=problems[0].field,
            )
        await self.save_draft(claim, conversation_id)
        return await self.change_status(claim.id, ClaimStatus.PRETE)

    async def change_status(self, claim_id: str, status: ClaimStatus, note: str = "") -> ClaimRecord:
        """Move a stored claim along its status machine (the server checks it and keeps the history)."""
        known = self.records.get(claim_id)
        if known is not None and status is not known.status and status not in TRANSITIONS[known.status]:
            raise UserFacingError(
                f"Impossible de passer la demande de « {known.status.label} » à « {status.label} »."
            )
        return self._keep(await self._server.set_claim_status(claim_id, status.value, note or None))

    # ---------------------------------------------------------------- reading
    async def refresh(
        self, *, status: ClaimStatus | None = None, day_from: date | None = None, day_to: date | None = None
    ) -> list[ClaimRecord]:
        """Claims from the server, latest act first."""
        items = await self._server.claims(
            status=status.value if status else None, day_from=day_from, day_to=day_to, limit=500
        )
        records = [self._keep(item, announce=False) for item in items]
        self.claims_changed.emit("")  # "": many claims at once
        return records

    async def record(self, claim_id: str) -> ClaimRecord:
        """One claim, from memory or the server."""
        known = self.records.get(claim_id)
        return known if known is not None else self._keep(await self._server.claim(claim_id))

    async def latest_of(self, conversation_id: str) -> ClaimRecord | None:
        """The conversation's most recent claim (by act time), if any."""
        if not any(r.conversation_id == conversation_id for r in self.records.values()):
            await self.refresh()
        return self.latest_known(conversation_id)

    def latest_known(self, conversation_id: str) -> ClaimRecord | None:
        mine = [r for r in self.records.values() if r.conversation_id == conversation_id]
        return max(mine, key=lambda r: r.claim.performed_at, default=None)

    async def apply_event(self, _name: str, event: ClaimEvent) -> None:
        """`claim.updated` (a summary without the document): refresh the claim if we show it."""
        summary = event.claim
        known = next((r for r in self.records.values() if _same_id(r.id, summary.id)), None)
        if known is not None and summary.version != known.version:
            self._keep(await self._server.claim(summary.id))

    def _keep(self, stored: ClaimPublic, *, announce: bool = True) -> ClaimRecord:
        record = ClaimRecord.of(stored)
        if record.claim.refresh_from_catalog(self.rules):  # a draft follows the catalog in force
            log.info("claim %s: lines refreshed from the catalog", record.id)
        self.records[record.id] = record
        if announce:
            self.claims_changed.emit(record.id)
        return record

    # ---------------------------------------------------------------- exports
    async def export_claim(self, claim_id: str, kind: ExportKind, target: Path) -> Path:
        """Write one ready claim to `target` (JSON or CSV), then mark it « exportée » on the server."""
        record = await self.record(claim_id)
        try:
            file = self.exporter.export_claim(record.claim, kind)
        except BillingError as exc:
            raise user_facing(exc) from exc
        await asyncio.to_thread(_write, target, file.content)
        await self._mark_exported([record])
        log.info("claim %s exported as %s", claim_id, kind)
        return target

    async def export_day(self, day: date, kind: ExportKind, target: Path) -> tuple[Path, int]:
        """Write the day's ready and exported claims (Paris day of the act) into one file.

        Returns the path and how many claims it holds; the « prête » ones become « exportée ».
        """
        records = await self.refresh(day_from=day, day_to=day)
        try:
            file = self.exporter.export_day([r.claim for r in records], day, kind)
        except BillingError as exc:
            raise user_facing(exc) from exc
        await asyncio.to_thread(_write, target, file.content)
        await self._mark_exported([r for r in records if r.id in file.claim_ids])
        log.info("day batch exported as %s (%d claims)", kind, len(file.claim_ids))
        return target, len(file.claim_ids)

    async def _mark_exported(self, records: list[ClaimRecord]) -> None:
        for record in records:
            if record.status is ClaimStatus.PRETE:
                await self.change_status(record.id, ClaimStatus.EXPORTEE)

    async def save_recap(self, claim_id: str, target: Path) -> Path:
        """The claim's PDF recap (rendered in a thread), for the practitioner's records or re-entry."""
        record = await self.record(claim_id)

        def render() -> bytes:
            return self.renderer().render_claim_recap(record.claim)

        await asyncio.to_thread(_write, target, await asyncio.to_thread(render))
        return target

    def day_of(self, claim: Claim) -> date:
        return paris_day(claim.performed_at)


def _same_id(a: str, b: str) -> bool:
    return a.replace("-", "").lower() == b.replace("-", "").lower()


def _write(target: Path, content: bytes) -> None:
    """Write through a temporary name, so a half-written export never looks complete."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    partial.write_bytes(content)
    partial.replace(target)
