"""Teleconsult practitioner desktop client."""
