from django.apps import AppConfig


class PiecesConfig(AppConfig):
    """A sample app that brings its own role, as a workstream app would (tests only)."""

    name = "tests.apps.pieces"
    label = "pieces"
    verbose_name = "示例：应用自带的角色"
