"""The care app's models, one module per part (see gonghui.care.apps)."""

from gonghui.care.models import hardship, insurance, welfare  # noqa: F401
