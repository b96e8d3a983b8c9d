from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "gonghui.activities"
    label = "activities"
    verbose_name = "活动"

    def ready(self) -> None:
        # Declaring the record type registers it; the URLs, menus and API read the registry.
        from gonghui.activities import records  # noqa: F401
