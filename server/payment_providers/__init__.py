"""Payment provider adapters (Stripe, offline)."""
