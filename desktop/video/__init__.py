"""aiortc call engine, signaling, devices and tracks (no Qt)."""
