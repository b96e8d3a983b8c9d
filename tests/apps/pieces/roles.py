"""The sample app's role: found at start-up like any app's roles.py."""

from gonghui.accounts.roles import declare_role

HANDLER = declare_role("pieces_handler", "经办人", permissions=["reports.view_review"])
