"""Insurance samples: to be declared."""
