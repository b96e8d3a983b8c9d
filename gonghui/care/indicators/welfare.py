"""Welfare: to be declared."""
