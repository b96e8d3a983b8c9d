"""The framework's models, defined in the sub-packages they belong to and gathered here so that
Django registers them under the `core` app (their tables and migrations are unchanged)."""

from gonghui.core.attachments.models import Attachment
from gonghui.core.audit.models import AuditEntry
from gonghui.core.imports.models import ImportJob
from gonghui.core.ops.models import SiteMarker

__all__ = ["Attachment", "AuditEntry", "ImportJob", "SiteMarker"]
