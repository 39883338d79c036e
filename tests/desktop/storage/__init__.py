"""Tests of desktop.storage."""
