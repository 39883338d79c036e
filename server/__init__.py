"""Teleconsult companion server: patient pages, signaling relay and data."""
