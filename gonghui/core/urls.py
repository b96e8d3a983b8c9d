"""URLs of every registered record type, generated from the registry."""

from django.urls import URLPattern, path

from gonghui.core.attachments import views as attachmentviews
from gonghui.core.audit import views as auditlog
from gonghui.core.imports import views as importviews
from gonghui.core.records import actionviews, childviews, views
from gonghui.core.records.registry import RecordType, registry
from gonghui.core.workflow import views as workflowviews

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

# Child rows live under their parent: `<parent slug>/<pk>/<child slug>/<route>`.
CHILD_VIEWS: list[tuple[str, str, type[childviews.ChildView]]] = [
    ("", "rows", childviews.ChildRowsView),
    ("new/", "create", childviews.ChildEditView),
    ("<int:child_pk>/edit/", "update", childviews.ChildEditView),
    ("<int:child_pk>/delete/", "delete", childviews.ChildDeleteView),
]
CHILD_IMPORT_VIEWS: list[tuple[str, str, type[childviews.ChildView]]] = [
    ("import/", "import", childviews.ChildImportView),
    ("import/template/", "import-template", childviews.ChildImportTemplateView),
]

WORKFLOW_VIEWS: list[tuple[str, str, type[views.RecordView]]] = [
    ("<int:pk>/transitions/<slug:name>/", "transition", workflowviews.TransitionView),
    ("transitions/<slug:name>/", "bulk-transition", workflowviews.BulkTransitionView),
]

# Only for record types whose pickers may create a record (`RecordType.picker_create`).
PICKER_CREATE_VIEWS: list[tuple[str, str, type[views.RecordView]]] = [
    ("picker-create/", "picker-create", views.RecordPickerCreateView),
]

ACTION_VIEWS: list[tuple[str, str, type[views.RecordView]]] = [
    ("actions/<slug:action>/", "action", actionviews.RecordActionView),
]


def record_urls(record: RecordType) -> list[URLPattern]:
    routes = VIEWS + (IMPORT_VIEWS if record.import_spec is not None else [])
    routes += ATTACHMENT_VIEWS if record.attachments else []
    routes += WORKFLOW_VIEWS if record.workflow is not None else []
    routes += PICKER_CREATE_VIEWS if record.picker_create is not None else []
    routes += ACTION_VIEWS if record.record_actions else []
    patterns = [
        path(f"{record.slug}/{route}", view.as_view(record_type=record), name=record.url_name(name))
        for route, name, view in routes
    ]
    for child in record.children:
        child_routes = CHILD_VIEWS + (CHILD_IMPORT_VIEWS if child.import_spec is not None else [])
        patterns += [
            path(
                f"{record.slug}/<int:pk>/{child.slug}/{route}",
                view.as_view(record_type=record, child=child),
                name=child.url_name(name),
            )
            for route, name, view in child_routes
        ]
    return patterns


urlpatterns = [
    path("search/", views.search, name="search"),
    path("audit/", auditlog.audit_log, name="audit-log"),
    path("imports/<uuid:pk>/", importviews.import_job, name="import-job"),
    path("imports/<uuid:pk>/errors/", importviews.import_job_errors, name="import-job-errors"),
    *(pattern for record in registry for pattern in record_urls(record)),
]
