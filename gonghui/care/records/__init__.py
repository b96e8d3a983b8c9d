"""The care app's records, one module per part (see gonghui.care.apps)."""

from gonghui.care.records import hardship, insurance, welfare  # noqa: F401
