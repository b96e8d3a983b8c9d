"""Content-Security-Policy: Django 5.2 has none built in, so this small middleware sends one.

Everything Gonghui serves is its own (Bootstrap, htmx and ECharts are vendored under static/),
so the policy allows this origin only: no script, style, font, image or connection from
anywhere else, no plugins, no framing, and forms post only back here. `'unsafe-inline'` stays in
`script-src` (the list pager's inline handler has moved to `static/gonghui/lists.js`; the
review's standalone HTML inlines its scripts) and in `style-src` for htmx's indicator style and
the error page; moving those into static files lets it go.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

DEFAULT_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = getattr(settings, "GONGHUI_CSP", DEFAULT_POLICY)
        if policy:
            response.headers.setdefault("Content-Security-Policy", policy)
        return response
