"""Tests of desktop.domain."""
