from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo federation and the synthetic province (`gonghui demo`, `gonghui gen-data`)."""

    name = "gonghui.demo"
    label = "demo"
    verbose_name = "演示数据"
