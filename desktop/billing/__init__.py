"""Act catalog, claim rules, NIR/RPPS checks, exports and PDFs (no Qt)."""
