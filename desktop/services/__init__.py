"""Use-cases of the client (async) and the `Workspace` that builds them, on ports rather than clients."""
