from django.apps import AppConfig


class CareConfig(AppConfig):
    """Care and money (帮扶救助 · 普惠 · 职工互助保障): one workstream app in three parts, each a
    module in models/, records/, indicators/ and samples/: hardship files and relief payments
    (`hardship`), consolation, summer cooling, sanatorium stays and the welfare registries
    (`welfare`), mutual insurance (`insurance`)."""

    name = "gonghui.care"
    label = "care"
    verbose_name = "帮扶救助"

    def ready(self) -> None:
        # Declaring the record types registers them; the URLs, menus and API read the registry.
        from gonghui.care import records  # noqa: F401
