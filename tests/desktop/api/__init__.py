"""Tests of desktop.api."""
