"""The org tree beside every list page (the layout cadres know from RuoYi-style systems).

The tree starts at the user's own organisation (their subtree, nothing above or beside it),
shows each node's children on demand and, per node, a count of the records a domain app
declared worth counting (`count_in_tree`: the people app counts 在会会员). A node's name filters
the list beside it to that subtree (`?org=`); its count opens the counted list so filtered.

Costs: a node's children are one query; their counts are one grouped query over the counted
table (children's paths have one length, so the prefix of that length names the child), kept
for `GONGHUI_HOME_COUNTS_SECONDS` like the home page's figures. Nothing is counted per node.
The core does not import the organisations app: the tree's model is `org_model()`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count
from django.db.models.functions import Substr
from django.http import QueryDict
from django.urls import reverse

from gonghui.core.records.registry import registry
from gonghui.core.tenancy.models import org_model, user_scope_path

SEARCH_LIMIT = 30


@dataclass(frozen=True)
class TreeCount:
    """What a tree node counts: rows of one record type, narrowed (e.g. active members)."""

    slug: str  # the record type counted; its list page is what a count opens
    label: str  # e.g. 在会会员, shown as the count's title
    narrow: Callable[[Any], Any]  # queryset → the rows counted
    query: dict[str, str] = field(default_factory=dict)  # the same narrowing as list filters


_counted: list[TreeCount] = []


def count_in_tree(count: TreeCount) -> None:
    """Declare the count tree nodes show (one per site; the last declaration wins)."""
    _counted[:] = [count]


def tree_count() -> TreeCount | None:
    return _counted[0] if _counted else None


@dataclass
class Node:
    pk: int
    name: str
    path: str
    has_children: bool
    count: int | None = None
    selected: bool = False
    children: list[Node] | None = None  # None: not loaded (collapsed)


def subtree_counts(user: Any, parent_path: str, width: int) -> dict[str, int]:
    """{path prefix of `width` characters: counted rows below it} under one parent, one query.

    Rows owned by the parent itself come out under the parent's own (shorter) path.
    """
    counted = tree_count()
    if counted is None:
        return {}
    seconds = settings.GONGHUI_HOME_COUNTS_SECONDS
    key = f"gonghui:orgtree:{counted.slug}:{parent_path}:{width}"
    if seconds:
        kept = cache.get(key)
        if kept is not None:
            return dict(kept)
    queryset = counted.narrow(registry[counted.slug].base_queryset(user))
    # The parent lies inside the user's scope, so its subtree's counts are the same for
    # everyone who may open it: the cache key needs no user.
    rows = (
        queryset.within(parent_path)
        .annotate(node=Substr("org_path", 1, width))
        .order_by()
        .values_list("node")
        .annotate(n=Count("pk"))
    )
    counts = {str(node): int(n) for node, n in rows}
    if seconds:
        cache.set(key, counts, seconds)
    return counts


def children(user: Any, parent: Any) -> list[Node]:
    """The visible children of `parent`, each with its subtree's count."""
    model = org_model()
    width = len(parent.path) + model.steplen
    rows = (
        model.objects.visible_to(user)
        .filter(path__prefix=parent.path, depth=parent.depth + 1)
        .only("pk", "name", "path", "numchild")
        .order_by("path")
    )
    counts = subtree_counts(user, parent.path, width)
    with_count = tree_count() is not None
    return [
        Node(
            pk=org.pk, name=org.name, path=org.path, has_children=bool(org.numchild),
            count=counts.get(org.path, 0) if with_count else None,
        )
        for org in rows
    ]


def visible_org(user: Any, pk: Any) -> Any:
    """The organisation `pk` if the user sees it, else None (never another branch's)."""
    try:
        number = int(pk)
    except (TypeError, ValueError):
        return None
    return org_model().objects.visible_to(user).filter(pk=number).first()


def root_node(user: Any, selected: Any = None) -> Node | None:
    """The user's own organisation, opened down to `selected` (an org in the user's scope)."""
    if user_scope_path(user) is None:
        return None
    top = getattr(user, "org", None)
    if top is None:
        return None
    width = len(top.path) + org_model().steplen
    counts = subtree_counts(user, top.path, width)
    root = Node(
        pk=top.pk, name=top.name, path=top.path, has_children=bool(top.numchild),
        count=sum(counts.values()) if tree_count() is not None else None,
        selected=selected is None or selected.pk == top.pk,
    )
    # Open every node on the way from the top to the selected one, so that without scripts
    # a cadre walks the tree by following links.
    node, depth = root, top.depth
    root.children = children(user, top)
    while selected is not None and node.children is not None and depth < selected.depth:
        depth += 1
        step = next((c for c in node.children if selected.path.startswith(c.path)), None)
        if step is None:
            break
        step.selected = step.pk == selected.pk
        if step.has_children:
            step.children = children(user, _org_of(step))
        node = step
    return root


def _org_of(node: Node) -> Any:
    return org_model()(pk=node.pk, path=node.path, depth=len(node.path) // org_model().steplen)


def search(user: Any, text: str) -> list[Node]:
    """Organisations of the user's subtree whose name contains `text` (the tree's search box)."""
    text = text.strip()[:50]
    if not text:
        return []
    rows = (
        org_model().objects.visible_to(user)
        .filter(name__contains=text)
        .only("pk", "name", "path", "numchild")
        .order_by("path")[:SEARCH_LIMIT]
    )
    return [Node(pk=o.pk, name=o.name, path=o.path, has_children=bool(o.numchild)) for o in rows]


def tree_context(
    request: Any, record: Any, selected: Any, *, with_root: bool = True
) -> dict[str, Any]:
    """What the tree include needs: the nodes, the query each link keeps, the counted list."""
    keep = request.GET.copy()
    for name in ("org", "page", "tree_node", "tree_q", "tree_search"):
        keep.pop(name, None)
    counted = tree_count()
    count_url = ""
    count_query = ""
    if counted is not None and request.user.has_perm(registry[counted.slug].perm("view")):
        count_url = reverse(registry[counted.slug].url_name("list"))
        query = QueryDict(mutable=True)
        query.update(counted.query)
        count_query = query.urlencode()
    tree_q = request.GET.get("tree_q", "").strip()[:50]
    return {
        "tree_root": None if tree_q or not with_root else root_node(request.user, selected),
        "tree_selected_name": selected.name if selected is not None else "",
        "tree_q": tree_q,
        "tree_found": search(request.user, tree_q) if tree_q else [],
        "tree_keep": keep.urlencode(),
        # The search form's hidden inputs: what the list shows stays as it is.
        "tree_hidden": [(k, v) for k, values in keep.lists() for v in values],
        "tree_count": counted,
        "tree_count_url": count_url,
        "tree_count_query": count_query,
        "tree_selected": selected.pk if selected is not None else None,
    }

