"""The Django admin's changelist of members: bench/pages.py's peer, loaded only when
GONGHUI_BENCH_ADMIN=1 (never in a deployment: the admin knows nothing of the org scope).

It is configured as well as the admin allows for the same work as the member list: the same
columns through `list_select_related`, the status filter, and a search over the same fields the
member list searches, with the admin's prefix (`^`) and exact (`=`) forms so that it can use the
same indexes rather than `icontains` scans.
"""

from __future__ import annotations

from django.contrib import admin

from gonghui.people.models import Membership

site = admin.AdminSite(name="bench-admin")


@admin.register(Membership, site=site)
class MembershipAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["person_name", "org", "enrolled_on", "joined_by", "status", "card_number"]
    list_filter = ["status", "joined_by"]
    list_select_related = ["person", "org"]
    search_fields = ["^person__name", "^person__name_initials", "=person__id_tail"]
    list_per_page = 20

    @admin.display(description="姓名", ordering="person__name")
    def person_name(self, obj: Membership) -> str:
        return obj.person.name
