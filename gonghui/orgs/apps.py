from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "gonghui.orgs"
    label = "orgs"
    verbose_name = "组织"

    def ready(self) -> None:
        # Declaring the record types registers them; the URLs, menus and API read the registry.
        from gonghui.orgs import records  # noqa: F401
