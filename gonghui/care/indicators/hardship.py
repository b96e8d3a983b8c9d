"""Hardship: to be declared."""
