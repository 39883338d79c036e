"""Act catalog, claim rules, NIR/RPPS checks, exports and PDFs (no Qt, no I/O beyond shipped resources).

Modules, from data to documents:

- ``catalog``: the act catalog (``load_catalog() -> Catalog``), built from resources/billing/catalog.json.
- ``professions``: ``Profession``, ``Specialty``, ``Sector``, ``Activity``, ``NurseSetting``,
  ``PractitionerProfile``.
- ``paris_time``: UTC inside, Europe/Paris at the edges; ``FrenchHolidays``; ``TimeWindow``.
- ``rules``: ``BillingRules`` evaluates eligibility, combinations, time windows, validity dates.
- ``suggestions``: ``ActSuggester.suggest(SuggestionRequest) -> Suggestion`` after a call.
- ``identifiers``: ``nir_problem``, ``rpps_problem``, ``am_number_problem`` (French messages).
- ``claims`` / ``claim_parts``: the SESAM-sans-Vitale ``Claim``, its overrides and status machine.
- ``claim_validation``: ``ClaimValidator.validate(claim) -> list[Problem]``.
- ``claim_codec``: ``claim_to_dict`` / ``claim_from_dict`` (server storage).
- ``reimbursement``: ``estimate_reimbursement(claim, catalog)`` (an estimate only).
- ``export``: ``ClaimExporter`` (JSON / CSV per claim and per day; docs/billing-export.md).
- ``fee_notes`` / ``note_renderer``: ``FeeNote`` and ``ReportlabNoteRenderer`` (PDF bytes).
- ``errors``: ``BillingError`` tree and ``Problem``.
"""
