"""Tests of desktop.services."""
