"""`Cache-Control: no-store` on everything the platform computes (issue 12, finding 10).

Pages, exports, attachments and API answers carry names, ID numbers and phones; a browser or
proxy cache would keep them on disk after logout, on a shared office computer. A response that
already says how it may be cached keeps its own header: the static files (WhiteNoise, hashed
names, cached for long) and Django's `never_cache` pages.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store, private"
        return response
