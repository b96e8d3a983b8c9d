"""The organisation form: a tree node is created under a parent and moved by changing it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from gonghui.core.records.forms import RecordForm
from gonghui.orgs.models import UNION_KINDS, Organization, OrgKind

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
        guided = self.fields.get("guided_by")
        if isinstance(guided, forms.ModelChoiceField):
            # Offered only organisations the editor sees (RecordForm scoped the queryset). A union
            # guided by a federation above the editor (a chair's own union, founded with the
            # town's help) keeps that value: the editor can neither see the choice nor change it.
            current = instance.guided_by_id
            offered = guided.queryset
            if current is not None and offered is not None and not offered.filter(
                pk=current
            ).exists():
                del self.fields["guided_by"]

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
        guided = data.get("guided_by")
        if guided is not None and node.pk is not None and guided.pk == node.pk:
            self.add_error("guided_by", _("指导单位不能是组织自己"))
        return data

    def save(self, commit: bool = True) -> Organization:
        from gonghui.orgs.actions import found_organization, move_organization

        node: Organization = self.instance
        parent = self.cleaned_data.get("parent")
        if node.pk is None:
            return found_organization(parent=parent, node=node)
        node.save()
        if parent is not None and not node.is_child_of(parent):
            move_organization(org=node, new_parent=parent)
            node.refresh_from_db()
        return node


class UnionRecordForm(RecordForm):
    """A record owned by a union: the union is chosen among grassroots and joint unions in view.

    The model's `clean` checks the kind as well, for the API and any other path.
    """

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        union = self.fields.get("union")
        if isinstance(union, forms.ModelChoiceField) and union.queryset is not None:
            union.queryset = union.queryset.filter(kind__in=UNION_KINDS)
        guided = self.fields.get("guided_by")
        current = getattr(self.instance, "guided_by_id", None)
        if isinstance(guided, forms.ModelChoiceField) and current is not None:
            offered = guided.queryset
            # As on the organisation form: a guiding federation above the editor stays as it
            # is, unseen and unchangeable by them.
            if offered is not None and not offered.filter(pk=current).exists():
                del self.fields["guided_by"]


class ElectionForm(UnionRecordForm):
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        union, guided = data.get("union"), data.get("guided_by")
        if union is not None and guided is not None and guided.pk == union.pk:
            self.add_error("guided_by", _("指导单位不能是换届的工会自己"))
        return data


class WorkersHomeForm(UnionRecordForm):
    pass
