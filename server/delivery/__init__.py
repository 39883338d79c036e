"""Delivery of invitations and codes: SMTP email, SMS gateways, or a local outbox folder."""
