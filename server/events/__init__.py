"""Event bus adapters: in-process (one server) or Redis pub/sub (several server processes)."""
