"""The care app's own pages beyond the generic record pages, one module per part."""
