"""Content-Security-Policy: Django 5.2 has none built in, so this small middleware sends one.

Everything Gonghui serves is its own (Bootstrap, htmx and ECharts are vendored under static/),
so the policy allows this origin only: no script, style, font, image or connection from
anywhere else, no plugins, no framing, and forms post only back here. No `'unsafe-inline'`
either (issue 12, finding 10): every script is a static file, handlers are bound there
(`static/gonghui/app.js`), styles are classes in `static/gonghui/app.css`, htmx's injected
indicator style is switched off (`base.html`), and `tests/core/test_hardening.py` parses every
page for inline script, handlers and style attributes. Scripts may still set `element.style`
(Bootstrap, ECharts): the policy governs markup, not the CSS object model.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

DEFAULT_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
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
