"""Invitations and first contact: invitations and their links, connection requests, the directory."""
