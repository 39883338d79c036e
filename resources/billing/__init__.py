"""Billing data: the act catalog built by scripts/build_catalog.py (do not edit catalog.json by hand)."""
