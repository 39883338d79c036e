"""Briefcase entry package: the app named `teleconsult` starts the desktop client."""
