"""The care app's indicators, one module per part (see gonghui.care.apps)."""

from gonghui.care.indicators import hardship, insurance, welfare  # noqa: F401
