"""Welfare samples: to be declared."""
