"""Organisations and enterprises, declared to the generic layer."""

from gonghui.accounts.roles import Role
from gonghui.core.registry import RecordType, Related, register
from gonghui.core.tables import Column
from gonghui.orgs.forms import OrganizationForm
from gonghui.orgs.imports import OrganizationImport
from gonghui.orgs.models import Enterprise, Organization

organizations = register(
    RecordType(
        model=Organization,
        slug="orgs",
        columns=[
            Column("code", link=True),
            Column("name", link=True),
            "kind",
            "founded_on",
            "uscc",
            "chair",
            "phone",
        ],
        search_fields=["code", "name", "uscc", "chair"],
        filters=["kind"],
        form_fields=["code", "name", "kind", "founded_on", "uscc", "address", "chair", "phone"],
        form_base=OrganizationForm,
        menu_order=10,
        icon="bi-bank",
        count_by="kind",
        default_ordering=["path"],
    import_spec=OrganizationImport(),
        grants={Role.TOWN_CADRE: "view add change delete", Role.GRASSROOTS_CHAIR: "view change"},
        related=[
            Related(
                "下级组织",
                "orgs",
                lambda qs, org: qs.filter(path__prefix=org.path, depth=org.depth + 1),
                lambda org: f"org={org.pk}",
            ),
            Related(
                "所属企业",
                "enterprises",
                lambda qs, org: qs.filter(org=org),
                lambda org: f"org={org.pk}",
            ),
        ],
    )
)

# Everything the enterprise record type needs: a declaration.
enterprises = register(
    RecordType(
        model=Enterprise,
        slug="enterprises",
        columns=[
            Column("name", link=True),
            "uscc",
            "industry",
            "ownership",
            "employee_count",
            "is_key",
            "town",
            "union",
        ],
        search_fields=["name", "uscc"],
        filters=["industry", "ownership", "is_key", "town"],
        form_fields=[
            "name",
            "uscc",
            "industry",
            "ownership",
            "employee_count",
            "is_key",
            "town",
            "union",
        ],
        menu_order=20,
        icon="bi-building",
        grants={Role.TOWN_CADRE: "view add change delete", Role.GRASSROOTS_CHAIR: "view change"},
    )
)
