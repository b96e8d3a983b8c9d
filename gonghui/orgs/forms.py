"""The organisation form: a tree node is created under a parent and moved by changing it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from gonghui.core.forms import RecordForm
from gonghui.orgs.models import Organization, OrgKind

# Which kinds of organisation may sit under which: cities under a province, towns under the
# city, unions under a town (or the city directly), and a union's sub-unions under it.
ALLOWED_CHILDREN: dict[str, set[str]] = {
    OrgKind.PROVINCE: {OrgKind.CITY},
    OrgKind.CITY: {OrgKind.TOWN, OrgKind.GRASSROOTS, OrgKind.JOINT},
    OrgKind.TOWN: {OrgKind.GRASSROOTS, OrgKind.JOINT},
    OrgKind.GRASSROOTS: {OrgKind.GRASSROOTS},
    OrgKind.JOINT: {OrgKind.GRASSROOTS},
}


class OrganizationForm(RecordForm):
    parent = forms.ModelChoiceField(
        label=_("上级组织"), queryset=Organization.objects.none(), required=True
    )

    field_order = ["parent", "code", "name", "kind"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        parent = self.fields["parent"]
        assert isinstance(parent, forms.ModelChoiceField)
        parent.queryset = Organization.objects.visible_to(user)
        instance = self.instance
        if instance.pk is not None:
            # The top of the user's subtree cannot be re-parented by them: its parent lies
            # outside what they see. The same holds for the root of the whole tree.
            if instance.is_root() or instance.path == getattr(user.org, "path", None):
                del self.fields["parent"]
            else:
                self.initial["parent"] = Organization.objects.get_parent(instance)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        node = self.instance
        kind = data.get("kind")
        if "parent" in self.fields:
            parent = data.get("parent")
        else:
            # The user may not change this node's parent (it may lie outside what they see), but
            # the node's kind must still fit under it.
            parent = Organization.objects.get_parent(node) if node.pk is not None else None
        if node.pk is not None and kind and node.numchild:
            # A node being edited is in the user's subtree, and so are its children.
            children = Organization.objects.visible_to(self.user).filter(
                path__prefix=node.path, depth=node.depth + 1
            )
            stranded = {c.kind for c in children} - ALLOWED_CHILDREN.get(kind, set())
            if stranded:
                raise ValidationError(
                    _("%(kind)s之下不能有%(children)s，请先移走这些下级组织")
                    % {
                        "kind": OrgKind(kind).label,
                        "children": "、".join(str(OrgKind(k).label) for k in sorted(stranded)),
                    }
                )
        if parent is not None and kind:
            if kind not in ALLOWED_CHILDREN.get(parent.kind, set()):
                raise ValidationError(
                    _("%(parent)s之下不能设立%(kind)s")
                    % {"parent": parent.get_kind_display(), "kind": OrgKind(kind).label}
                )
            if node.pk is not None and parent.path.startswith(node.path):
                self.add_error("parent", _("不能把组织移到它自己或其下级之下"))
        return data

    def save(self, commit: bool = True) -> Organization:
        from gonghui.orgs.actions import move_organization

        node: Organization = self.instance
        parent = self.cleaned_data.get("parent")
        if node.pk is None:
            return Organization.objects.add_child(parent, instance=node)
        node.save()
        if parent is not None and not node.is_child_of(parent):
            move_organization(org=node, new_parent=parent)
            node.refresh_from_db()
        return node
