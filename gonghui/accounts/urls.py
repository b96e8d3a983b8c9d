from django.contrib.auth import views as auth_views
from django.urls import path

from gonghui.accounts import manage, views

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/change/",
        views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path("2fa/", views.otp_setup, name="otp-setup"),
    path("2fa/verify/", views.otp_verify, name="otp-verify"),
    path("2fa/disable/", views.otp_disable, name="otp-disable"),
    path("accounts/", views.account_list, name="account-list"),
    path("accounts/new/", manage.account_create, name="account-create"),
    path("accounts/<int:pk>/edit/", manage.account_edit, name="account-edit"),
    path("accounts/<int:pk>/reset-password/", manage.account_reset_password,
         name="account-reset-password"),
    path(
        "accounts/<int:pk>/deactivate/",
        views.account_deactivate,
        name="account-deactivate",
    ),
    path(
        "accounts/<int:pk>/unlock/",
        views.account_unlock,
        name="account-unlock",
    ),
    path(
        "accounts/<int:pk>/reset-2fa/",
        views.account_reset_otp,
        name="account-reset-otp",
    ),
    path(
        "accounts/<int:pk>/revoke-token/",
        views.account_revoke_token,
        name="account-revoke-token",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="accounts/password_change_done.html"
        ),
        name="password_change_done",
    ),
]
