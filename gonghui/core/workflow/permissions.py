"""One permission per transition, beside the model's view/add/change/delete.

`<transition>_<model>` (e.g. `kitflow.approve_reliefclaim`), so `RecordType.perm(name)` names it
like any other action; `accounts.roles.sync_roles` creates the rows before granting them.
"""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType

from gonghui.core.records.registry import registry


def ensure_transition_permissions() -> None:
    for record in registry:
        if record.workflow is None:
            continue
        content_type = ContentType.objects.get_for_model(record.model)
        for transition in record.workflow.transitions:
            codename = f"{transition.name}_{record.opts.model_name}"
            Permission.objects.update_or_create(
                content_type=content_type,
                codename=codename,
                defaults={"name": f"{transition.label}{record.label}"[:255]},
            )
