"""Shipped resources: fonts, icons, translations, stylesheet, act catalog (importlib.resources)."""
