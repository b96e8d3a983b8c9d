"""The browsable org tree: expand a node to see its children with counts per subtree."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.db.models.functions import Substr
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from gonghui.orgs.models import Enterprise, Organization


def _subtree_counts(queryset: Any, path_field: str, parent: Organization) -> dict[str, int]:
    """{child path: rows in that child's subtree}, one grouped query for all children.

    Children's paths all have the same length, so the prefix of that length names the child.
    """
    width = len(parent.path) + Organization.steplen
    rows = (
        queryset.filter(**{f"{path_field}__prefix": parent.path})
        .exclude(**{path_field: parent.path})
        .annotate(child=Substr(path_field, 1, width))
        .order_by()
        .values_list("child")
        .annotate(n=Count("pk"))
    )
    return dict(rows)


def children_rows(user: Any, parent: Organization) -> list[dict[str, Any]]:
    orgs = Organization.objects.visible_to(user)
    children = list(orgs.filter(path__prefix=parent.path, depth=parent.depth + 1))
    org_counts = _subtree_counts(orgs, "path", parent)
    enterprise_counts = _subtree_counts(Enterprise.objects.visible_to(user), "org_path", parent)
    return [
        {
            "org": child,
            "descendants": org_counts.get(child.path, 1) - 1,
            "enterprises": enterprise_counts.get(child.path, 0),
        }
        for child in children
    ]


def _require_view(request: HttpRequest) -> None:
    if not request.user.has_perm("orgs.view_organization"):
        raise PermissionDenied


def tree(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    top = getattr(request.user, "org", None)
    if top is None or not Organization.objects.visible_to(request.user).filter(pk=top.pk).exists():
        raise PermissionDenied
    return render(request, "orgs/tree.html", {"top": top, "rows": children_rows(request.user, top)})


def tree_children(request: HttpRequest, pk: int) -> HttpResponse:
    _require_view(request)
    parent = get_object_or_404(Organization.objects.visible_to(request.user), pk=pk)
    return render(
        request,
        "orgs/tree_children.html",
        {"parent": parent, "rows": children_rows(request.user, parent)},
    )
