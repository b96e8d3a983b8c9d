"""Error pages in Chinese, and with no trace of the code behind them."""

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return render(
        request,
        "errors/error.html",
        {"code": 404, "message": "页面不存在，或您无权查看。"},
        status=404,
    )


def forbidden(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return render(
        request,
        "errors/error.html",
        {"code": 403, "message": "您没有执行此操作的权限。"},
        status=403,
    )


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors: whatever failed may be what they need.
    from django.template import loader

    body = loader.get_template("errors/500.html").render(
        {"code": 500, "message": "系统出错了，请稍后重试；问题已记录。"}
    )
    return HttpResponse(body, status=500)


class NoTraceForClientErrors(logging.Filter):
    """Keep a 403 or 404 to its one log line.

    Django logs a refused permission with the exception's traceback; a cadre clicking a link
    their role does not allow is not a fault of the server, and a console full of tracebacks
    hides the real ones. Server errors (5xx) keep theirs.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
