"""Billing: SESAM-sans-Vitale claims stored for their practitioner, notes d'honoraires and their numbers."""
