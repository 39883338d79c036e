"""Tests of desktop.ui."""
