from django.apps import AppConfig


class KitflowConfig(AppConfig):
    name = "tests.apps.kitflow"
    label = "kitflow"
    verbose_name = "流程样例"

    def ready(self) -> None:
        from tests.apps.kitflow import records  # noqa: F401
