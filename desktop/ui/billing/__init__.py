"""Billing screens: payment requests, the claim editor, the billing view, and their presenters."""
