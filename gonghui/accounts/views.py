"""Account pages beyond Django's stock login and logout."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views

from gonghui.accounts.middleware import password_expired


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["password_expired"] = password_expired(self.request.user)
        return context
