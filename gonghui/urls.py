from django.conf import settings
from django.urls import include, path

urlpatterns = [
    path("", include("gonghui.accounts.urls")),
    path("", include("gonghui.orgs.urls")),
    path("", include("gonghui.reports.urls")),
    path("", include("gonghui.people.urls")),
    path("", include("gonghui.care.urls")),
    path("", include("gonghui.core.urls")),
    path("api/", include("gonghui.api.urls")),
]

if settings.GONGHUI_BENCH_ADMIN:
    # The benchmark's peer only (bench/pages.py); see GONGHUI_BENCH_ADMIN in settings.
    from gonghui.people.benchadmin import site

    urlpatterns.append(path("bench-admin/", site.urls))

handler404 = "gonghui.core.ops.errors.not_found"
handler403 = "gonghui.core.ops.errors.forbidden"
handler500 = "gonghui.core.ops.errors.server_error"
