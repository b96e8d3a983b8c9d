from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "gonghui.people"
    label = "people"
    verbose_name = "会员"

    def ready(self) -> None:
        from gonghui.core.audit import present
        from gonghui.people import grams, menus, records  # noqa: F401

        grams.register()  # name grams set-based on SQLite's bulk inserts

        # The member actions' audit rows, as the audit log reads them.
        present.register_values("action", {
            "enrol": "入会", "transfer": "转会", "leave": "退会", "picker": "选择人员时新建人员",
            "transfer_request": "申请转出", "transfer_approve": "同意转入",
            "transfer_refuse": "不同意转入", "transfer_cancel": "撤回转会申请",
        })
