from django.contrib.auth.decorators import login_not_required, login_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import DefaultRouter

from gonghui.api import attachments, children
from gonghui.api.docs import SwaggerView, api_index
from gonghui.api.views import viewset_for
from gonghui.core.records.registry import registry

router = DefaultRouter()
router.include_root_view = False
for record in registry:
    router.register(record.slug, viewset_for(record), basename=f"api-{record.slug}")

urlpatterns = [
    path(
        "schema/",
        SpectacularAPIView.as_view(permission_classes=[IsAuthenticated]),
        name="api-schema",
    ),
    *router.urls,
]
# A parent's child rows, and a record's attachments, under the record: scoped through it.
for record in registry:
    for child in record.children:
        rows, row = children.endpoints_for(record, child)
        base = f"{record.slug}/<int:pk>/{child.slug}/"
        urlpatterns += [
            path(base, rows.as_view(record_type=record, child=child),
                 name=f"api-{record.slug}-{child.slug}-rows"),
            path(f"{base}<int:child_pk>/", row.as_view(record_type=record, child=child),
                 name=f"api-{record.slug}-{child.slug}-row"),
        ]
    if record.attachments:
        many, one = attachments.endpoints_for(record)
        urlpatterns += [
            path(f"{record.slug}/<int:pk>/attachments/", many.as_view(record_type=record),
                 name=f"api-{record.slug}-attachments"),
            path(f"{record.slug}/<int:pk>/attachments/<int:attachment>/",
                 one.as_view(record_type=record), name=f"api-{record.slug}-attachment"),
        ]
# The API authenticates itself (session or token) and answers 401/403, never a login redirect.
for pattern in urlpatterns:
    if pattern.callback is not None:
        login_not_required(pattern.callback)

# The documentation pages are the platform's pages: signed in through the login page (the
# login middleware sends anyone else there), not through a token.
urlpatterns += [
    path("", api_index, name="api-index"),
    # DRF marks its views login_not_required (it answers 403 itself): send a person to log in.
    path("docs/", login_required(SwaggerView.as_view(url_name="api-schema")), name="api-docs"),
]
