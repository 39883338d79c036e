"""Conversations and messages: idempotent sends, order, read marks, search, the patient-write setting."""
