from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "gonghui.core"
    label = "core"
    verbose_name = "平台核心"

    def ready(self) -> None:
        # Login, logout and failed logins are only observable through Django's auth signals.
        from gonghui.core.audit import log as audit  # noqa: F401
