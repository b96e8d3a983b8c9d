"""The reports app's menu group and entry (gonghui.core.records.menus)."""

from gonghui.core.records.menus import menu_entry, menu_group

REPORTS_MENU = menu_group("统计与回顾", order=80, icon="bi-bar-chart")

menu_entry("工作回顾", "review-index", group=REPORTS_MENU, perm="reports.view_review",
           icon="bi-file-earmark-text", slug="reviews", needs_org=True)
