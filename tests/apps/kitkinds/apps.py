from django.apps import AppConfig


class KitKindsConfig(AppConfig):
    """A workstream app in miniature that builds on the activity record by declaration: a kind
    of its own and a child row type of its own (trainees' scores), with no edit of the
    activities app."""

    name = "tests.apps.kitkinds"
    label = "kitkinds"
    verbose_name = "活动类型扩展示例"

    def ready(self) -> None:
        from tests.apps.kitkinds import records  # noqa: F401
