from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.module_loading import autodiscover_modules


class AccountsConfig(AppConfig):
    name = "gonghui.accounts"
    label = "accounts"
    verbose_name = "账号"

    def ready(self) -> None:
        # Permissions exist only after migrate, app by app; refresh the role groups once the
        # last app's permissions are in.
        post_migrate.connect(_sync_roles_last, dispatch_uid="gonghui-sync-roles")
        # Each app's roles.py declares the roles it brings (gonghui.accounts.roles.declare_role).
        autodiscover_modules("roles")
        # Signal receivers: the lockout audit row and the session's login time.
        from gonghui.accounts import lockout, middleware  # noqa: F401
        from gonghui.accounts.roles import role_label
        from gonghui.core.audit import present

        present.register_values("roles", role_label)


def _sync_roles_last(sender: AppConfig, **kwargs: Any) -> None:
    from django.apps import apps

    # post_migrate is sent only for apps that have models.
    last = [app for app in apps.get_app_configs() if app.models_module is not None][-1]
    if sender.label != last.label:
        return
    from gonghui.accounts.roles import sync_roles

    sync_roles()
