"""Insurance: to be declared."""
