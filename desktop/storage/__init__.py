"""Local SQLite cache (offline, instant search) and the persisted outbox."""
