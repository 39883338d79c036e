"""SESAM-sans-Vitale billing shared by the desktop (which drafts claims) and the server (which
stores and checks them): the act catalog, the rules, the suggestions, the claim and its status
machine, its validation and the reimbursement estimate. Pure Python: the only thing read is the
catalog shipped in `resources/billing/catalog.json`.

Modules, from data to documents:

- ``catalog``: the act catalog (``load_catalog() -> Catalog``), built by scripts/build_catalog.py.
- ``professions``: ``Profession``, ``Specialty``, ``Sector``, ``Activity``, ``NurseSetting``,
  ``PractitionerProfile``.
- ``paris_time``: French public holidays and time windows.
- ``rules``: ``BillingRules`` evaluates eligibility, combinations, time windows, validity dates.
- ``suggestions``: ``ActSuggester.suggest(SuggestionRequest) -> Suggestion`` after a call.
- ``claims`` / ``claim_parts``: the ``Claim``, its overrides and its status machine.
- ``validation``: ``ClaimValidator.validate(claim) -> list[Problem]``.
- ``document``: ``ClaimDocument``, the claim as it travels and is stored (Pydantic), and
  ``claim_from_dict``.
- ``reimbursement``: ``estimate_reimbursement(claim, catalog)`` (an estimate only).
- ``errors``: ``BillingError`` tree and ``Problem``.

Identifiers (NIR, RPPS, AM) are in ``contracts.identifiers``.
"""
