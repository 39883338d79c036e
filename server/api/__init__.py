"""HTTP and WebSocket API under /api/v1 (FastAPI); thin routes over server.domain."""
