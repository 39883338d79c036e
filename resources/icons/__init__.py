"""Icons of the desktop client (SVG)."""
