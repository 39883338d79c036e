"""Shared test helpers: live server, API client, fakes at the product's own seams."""
