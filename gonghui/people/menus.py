"""The people app's menu entries that are not a record type's list (gonghui.core.records.menus)."""

from gonghui.core.records.menus import menu_entry
from gonghui.people.records import MEMBERS_MENU

# Requests to take in a member held by another town wait here for the releasing side, and the
# requester follows them here: a page no cadre would find by its address alone.
menu_entry("转会申请", "transfer-list", group=MEMBERS_MENU, perm="people.view_membership",
           icon="bi-arrow-left-right", order=35, slug="transfers", needs_org=True)
