"""The practitioner's billing documents (no Qt): exports for the certified software and PDFs.

The billing rules themselves (catalog, claims, validation) are shared with the server in
``contracts.billing``. Here:

- ``export``: ``ClaimExporter`` (JSON / CSV per claim and per day; docs/billing-export.md).
- ``fee_notes`` / ``note_renderer``: ``FeeNote`` and ``ReportlabNoteRenderer`` (PDF bytes).
- ``pdf_style``: fonts and styles of the PDFs (DejaVu embedded).
"""
