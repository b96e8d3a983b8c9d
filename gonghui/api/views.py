"""Read-only API endpoints for every registered record type, generated from the registry.

They reuse the record type's table (fields), filter set (query parameters) and scoped queryset,
so the API, the list page and the export cannot disagree about what a user sees.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers, viewsets

from gonghui.core.records.fields import SensitiveKind
from gonghui.core.records.registry import RecordType
from gonghui.core.records.tables import MASKERS
from gonghui.core.records.views import can_reveal


class RecordSerializer(serializers.ModelSerializer):
    record_type: RecordType

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is None or not can_reveal(request.user):
            for column in self.record_type.table.columns:
                if column.sensitive and data.get(column.name):
                    data[column.name] = MASKERS[SensitiveKind(column.sensitive)](data[column.name])
        return data


class RecordViewSet(viewsets.ReadOnlyModelViewSet):
    record_type: RecordType

    def get_queryset(self) -> Any:
        record = self.record_type
        return record.list_queryset(self.request.user).order_by(*record.default_ordering)


def viewset_for(record: RecordType) -> type[RecordViewSet]:
    columns = record.table.columns
    fields = ["id", *(c.name for c in columns)]
    # A column across a relation (`person__name`) is a read-only field of the same name.
    related = {
        c.name: serializers.ReadOnlyField(source=c.name.replace("__", "."))
        for c in columns
        if "__" in c.name
    }
    meta = type("Meta", (), {"model": record.model, "fields": fields})
    serializer = type(
        f"{record.model.__name__}Serializer",
        (RecordSerializer,),
        {"Meta": meta, "record_type": record, **related},
    )
    return type(
        f"{record.model.__name__}ViewSet",
        (RecordViewSet,),
        {
            "record_type": record,
            "serializer_class": serializer,
            "filterset_class": record.filterset_class,
            "queryset": record.model._default_manager.none(),
        },
    )
