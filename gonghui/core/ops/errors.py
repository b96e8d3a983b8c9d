"""Error pages in Chinese, and with no trace of the code behind them."""

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

    body = loader.get_template("errors/error.html").render(
        {"code": 500, "message": "系统出错了，请稍后重试；问题已记录。"}
    )
    return HttpResponse(body, status=500)
