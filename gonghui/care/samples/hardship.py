"""Hardship samples: to be declared."""
