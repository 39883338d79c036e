"""Use-cases of the desktop client (async), depending on ports rather than concrete clients."""
