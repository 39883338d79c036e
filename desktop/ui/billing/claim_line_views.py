"""What the claim editor shows about the act: its lines with their reasons, the optional majorations,
the types of act a profession may bill and a nurse's settings.

Pure functions from the claim, the catalog and the act suggester's proposal to the editor's
`LineView`s and choice lists; the presenter calls them on every render.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from contracts.billing.catalog import Catalog
from contracts.billing.claims import Claim, ClaimStatus
from contracts.billing.professions import Activity, NurseSetting, Profession
from contracts.billing.suggestions import Suggestion
from contracts.fr_format import number
from desktop.billing.claim_draft import line_field
from desktop.ui.billing.claim_lines_table import LineView
from desktop.ui.billing.payment_presenter import amount_text

SETTING_CODES = {
    NurseSetting.DOMICILE: "TLD",
    NurseSetting.LIEU_DEDIE: "TLL",
    NurseSetting.SOIN_PREVU: "TLS",
}


def _tr(text: str) -> str:
    return QCoreApplication.translate("ClaimLineViews", text)


def line_views(claim: Claim, suggestion: Suggestion | None, catalog: Catalog | None = None) -> list[LineView]:
    """The claim's act then majorations, each with why it was proposed (or « Ajoutée par vous. »);
    an act billed by coefficient (TMI, TMK) shows its coefficient to enter."""
    reasons: dict[str, tuple[str, tuple[str, ...]]] = {}
    if suggestion is not None:
        proposed = ([suggestion.act] if suggestion.act else []) + list(suggestion.majorations)
        for proposal in proposed + list(suggestion.optional):
            reasons[proposal.code] = (proposal.reason, proposal.warnings)
    views = []
    for line in claim.lines:
        field = line_field(claim, line.code)
        reason, warnings = reasons.get(line.code, (_tr("Ajoutée par vous."), ()))
        views.append(
            LineView(
                field,
                line.code,
                line.label,
                amount_text(line.amount) if line.amount is not None else "",
                line.amount_unverified,
                reason,
                warnings,
                removable=field != "act",
                coefficient_text=_coefficient_text(claim, line.code, catalog) if field == "act" else None,
            )
        )
    return views


def _coefficient_text(claim: Claim, code: str, catalog: Catalog | None) -> str | None:
    act = catalog.acts.get(code) if catalog is not None else None
    if act is None or act.amount_basis != "coefficient":
        return None
    coefficient = claim.act.coefficient if claim.act is not None else None
    return number(coefficient) if coefficient is not None else ""


def optional_views(claim: Claim, suggestion: Suggestion | None) -> list[LineView]:
    """Majorations the practitioner may add after confirming their condition (drafts only)."""
    if suggestion is None or claim.status is not ClaimStatus.BROUILLON:
        return []
    present = {line.code for line in claim.lines}
    return [
        LineView(
            "",
            o.code,
            o.label,
            amount_text(o.amount) if o.amount is not None else "",
            o.amount_unverified,
            o.reason,
            o.warnings,
        )
        for o in suggestion.optional
        if o.code not in present
    ]


def activities(catalog: Catalog, profession: Profession) -> list[Activity]:
    """The kinds of remote act the catalog lets `profession` bill, in the catalog's order."""
    found = {
        a.activity
        for a in catalog.acts.values()
        if not a.historical and any(e.profession is profession for e in a.eligibility)
    }
    return sorted(found, key=list(Activity).index)


def setting_choices() -> list[tuple[str, object]]:
    """« — à préciser — » then each setting with the code it leads to (TLD, TLL, TLS)."""
    choices: list[tuple[str, object]] = [(_tr("— à préciser —"), None)]
    choices += [(f"{s.label} ({SETTING_CODES[s]})", s.value) for s in NurseSetting]
    return choices
