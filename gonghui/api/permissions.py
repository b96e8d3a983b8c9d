from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request


class RecordPermission(BasePermission):
    """Authenticated, and holding the view permission of the endpoint's record type."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        record = getattr(view, "record_type", None)
        return record is None or bool(user.has_perm(record.perm("view")))
