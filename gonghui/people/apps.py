from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "gonghui.people"
    label = "people"
    verbose_name = "会员"

    def ready(self) -> None:
        from gonghui.people import records  # noqa: F401
