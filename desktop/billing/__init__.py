"""Billing on the desktop, everything but its screens (no Qt): billing's one home.

The billing rules themselves (catalog, claims, validation, suggestions) are shared with the
server in ``contracts.billing``. Here, for one workspace:

- ``billing_services``: ``BillingServices``, built by the ``Workspace``: the REST client
  (``api_client``: ``BillingApiClient``), payment requests (``payments``: ``PaymentService``),
  claims (``claims``: ``ClaimService``, ``ClaimRecord``) and notes d'honoraires
  (``fee_note_service``: ``FeeNoteService``), the last two built on first use;
- ``billing_profile``: ``BillingProfile``, the practitioner of ``/me`` in the catalog's terms;
- ``claim_draft``: ``ClaimDraft``, the claim on the editor's screen (its state and edit rules);
- ``export``: ``ClaimExporter`` (JSON / CSV per claim and per day; docs/billing-export.md);
- ``fee_notes`` / ``note_renderer`` / ``pdf_style``: the note d'honoraires (``FeeNote``) and the
  PDFs drawn by ``ReportlabNoteRenderer`` (DejaVu fonts embedded).
"""
