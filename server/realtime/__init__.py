"""The realtime socket: one per signed-in client, per-user event sequences, resume, frame handlers."""
