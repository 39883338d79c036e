"""REST clients and realtime socket of the companion server; answers read by their wire models."""
