from django.apps import AppConfig


class KitKindsConfig(AppConfig):
    """A workstream app in miniature that adds its own kind of activity by declaration."""

    name = "tests.apps.kitkinds"
    label = "kitkinds"
    verbose_name = "活动类型扩展示例"

    def ready(self) -> None:
        from gonghui.activities.kinds import kinds

        kinds.declare("kitkinds", {"kitkinds.drill": "应急演练"})
