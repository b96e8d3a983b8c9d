from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "gonghui.api"
    label = "api"
    verbose_name = "API"

    def ready(self) -> None:
        from gonghui.api import menus  # noqa: F401  # declares the menu entry to /api/
