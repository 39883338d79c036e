"""The web kernel: the FastAPI application, its error handlers, body caps, shared dependencies, /health."""
