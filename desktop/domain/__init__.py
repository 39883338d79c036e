"""Pure types and rules of the desktop client: no Qt, no I/O."""
