"""Qt translation catalogs of the desktop client."""
