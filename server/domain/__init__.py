"""Rules and use-cases of the companion server, framework-free."""
