from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class ReportsConfig(AppConfig):
    name = "gonghui.reports"
    verbose_name = "统计与回顾"

    def ready(self) -> None:
        # Each app's indicators.py registers its indicators (see gonghui.reports.indicators).
        autodiscover_modules("indicators")
        # ... and each app's sections.py its part of the review (gonghui.reports.sections).
        autodiscover_modules("sections")
        # ... and each app's panels.py its home panels (gonghui.core.records.panels).
        autodiscover_modules("panels")
        from gonghui.reports import menus  # noqa: F401  # the review's menu entry
