"""Accounts: practitioners and patients, sign-in with opaque tokens, sessions, plans, password reset."""
