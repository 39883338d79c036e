"""HTTP client, realtime socket and sync (cursor resume, outbox replay) for the companion server."""
