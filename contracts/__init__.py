"""What the desktop client and the server share: pure Python, no Qt, no FastAPI, no I/O.

Both `desktop` and `server` may import this package; it imports neither (import-linter).
"""
