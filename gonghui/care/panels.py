"""The care app's home panels (gonghui.core.records.panels), one module per part."""

from gonghui.care import hardship_panel  # noqa: F401
