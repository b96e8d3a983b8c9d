"""Workflows on the org tree."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr

from gonghui.core.tenancy.models import OrgOwned
from gonghui.core.workflow.models import Decision
from gonghui.orgs.models import Organization


def org_owned_models() -> list[type[OrgOwned]]:
    return [m for m in apps.get_models() if issubclass(m, OrgOwned)]


@transaction.atomic
def move_organization(*, org: Organization, new_parent: Organization) -> Organization:
    """Move a branch under a new parent, carrying every record's copied tree path along."""
    old_path = org.path
    Organization.objects.move(org, new_parent, "last-child")
    org.refresh_from_db()
    if org.path != old_path:
        # One UPDATE per record type rewrites the prefix of every row in the moved branch.
        # The decision ledger copies its records' paths too (the one update it allows).
        models: list[type[Any]] = [*org_owned_models(), Decision]
        for model in models:
            for field in ("org_path", *getattr(model, "copied_paths", ())):
                model.objects.filter(**{f"{field}__prefix": old_path}).update(**{
                    field: Concat(Value(org.path), Substr(field, len(old_path) + 1))
                })
    return org


@transaction.atomic
def found_organization(
    *, parent: Organization, node: Organization, guided_by: Organization | None = None
) -> Organization:
    """建会: a new organisation under a parent the caller fetched scoped.

    The organisation form and the demo found unions this way. `guided_by` is the organisation
    whose cadres helped found it; it must be one the caller may see (the form's choices are).
    """
    if guided_by is not None:
        node.guided_by = guided_by
    created: Organization = Organization.objects.add_child(parent, instance=node)
    return created
