"""URLs of every registered record type, generated from the registry."""

from django.urls import URLPattern, path

from gonghui.core.attachments import views as attachmentviews
from gonghui.core.audit import views as auditlog
from gonghui.core.imports import views as importviews
from gonghui.core.records import views
from gonghui.core.records.registry import RecordType, registry

VIEWS: list[tuple[str, str, type[views.RecordView]]] = [
    ("", "list", views.RecordListView),
    ("new/", "create", views.RecordCreateView),
    ("export/", "export", views.RecordExportView),
    ("autocomplete/", "autocomplete", views.RecordAutocompleteView),
    ("<int:pk>/", "detail", views.RecordDetailView),
    ("<int:pk>/edit/", "update", views.RecordUpdateView),
    ("<int:pk>/delete/", "delete", views.RecordDeleteView),
    ("<int:pk>/reveal/", "reveal", views.RecordRevealView),
]


IMPORT_VIEWS: list[tuple[str, str, type[views.RecordView]]] = [
    ("import/", "import", importviews.RecordImportView),
    ("import/template/", "import-template", importviews.RecordImportTemplateView),
]


# Only for record types that declare attachments (`RecordType.attachments`).
ATTACHMENT_VIEWS: list[tuple[str, str, type[views.RecordView]]] = [
    ("<int:pk>/attachments/", "attachments", attachmentviews.AttachmentPanelView),
    ("<int:pk>/attachments/<int:attachment>/", "attachment", attachmentviews.AttachmentFileView),
    (
        "<int:pk>/attachments/<int:attachment>/thumbnail/",
        "attachment-thumbnail",
        attachmentviews.AttachmentThumbnailView,
    ),
    (
        "<int:pk>/attachments/<int:attachment>/caption/",
        "attachment-caption",
        attachmentviews.AttachmentCaptionView,
    ),
    (
        "<int:pk>/attachments/<int:attachment>/delete/",
        "attachment-delete",
        attachmentviews.AttachmentDeleteView,
    ),
]


def record_urls(record: RecordType) -> list[URLPattern]:
    routes = VIEWS + (IMPORT_VIEWS if record.import_spec is not None else [])
    routes += ATTACHMENT_VIEWS if record.attachments else []
    return [
        path(f"{record.slug}/{route}", view.as_view(record_type=record), name=record.url_name(name))
        for route, name, view in routes
    ]


urlpatterns = [
    path("search/", views.search, name="search"),
    path("audit/", auditlog.audit_log, name="audit-log"),
    path("imports/<uuid:pk>/", importviews.import_job, name="import-job"),
    path("imports/<uuid:pk>/errors/", importviews.import_job_errors, name="import-job-errors"),
    *(pattern for record in registry for pattern in record_urls(record)),
]
