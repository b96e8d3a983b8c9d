"""The audit log as a reader reads it: object types and fields by their Chinese names, values
as the record pages show them.

An audit row stores what changed as JSON (`log.diff` of two snapshots: `{"org_id": {"before":
3, "after": 5}}`, or a payload an action wrote: `{"format": "docx", "rows": 120}`). Stored that
way it stays exact and searchable; shown that way it is a Python dict. Here each change becomes
a line: the field's verbose name, and its values by label (choices), by name (foreign keys,
fetched once per page), as dates (dates and times), 是/否 (booleans) — and a masked value stays
masked, since the row never held more than `[已隐去]`.

Payload keys that are no field of the object's model are named from `WORDS`; an app adds the
words and value labels it writes (`register_words`, `register_values`) from its AppConfig, so the
framework names no domain app.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from gonghui.core.audit.log import HIDDEN
from gonghui.core.audit.models import AuditEntry

EMPTY = "（空）"

# Keys of payloads that actions write, which are no field of the object's model.
WORDS: dict[str, str] = {
    "action": "操作",
    "all_or_nothing": "全部成功才写入",
    "before": "变更前",
    "after": "变更后",
    "api_token": "API令牌",
    "attempts": "清除的失败记录",
    "count": "数量",
    "created": "新增",
    "engine": "数据库",
    "field": "字段",
    "file": "文件",
    "filter": "筛选条件",
    "format": "格式",
    "from": "原记录",
    "id": "编号",
    "label": "名称",
    "limit": "上限",
    "name": "名称",
    "older_than_days": "保留天数",
    "org": "组织",
    "parent": "所属记录",
    "password": "密码",
    "path": "文件路径",
    "q": "搜索",
    "sort": "排序",
    "period": "期间",
    "read": "读取行数",
    "reason": "原因",
    "recovery_codes": "恢复码",
    "rejected": "未导入",
    "remaining": "剩余恢复码",
    "removed": "清除",
    "roles": "角色",
    "rows": "行数",
    "sessions_ended": "结束的会话",
    "sha256": "文件摘要",
    "size": "大小（字节）",
    "to_union": "转入工会",
    "transition": "流转",
    "union": "工会",
    "type": "类型",
    "updated": "更新",
}

# Values of payload keys that are codes: {key: {code: label}}, or {key: function}.
_TABLES: dict[str, dict[str, str]] = defaultdict(dict)
_FUNCTIONS: dict[str, Callable[[Any], str]] = {}


def register_words(words: dict[str, str]) -> None:
    """Names for payload keys an app writes (its actions' audit payloads)."""
    WORDS.update(words)


def register_values(key: str, label: dict[str, str] | Callable[[Any], str]) -> None:
    """How the values of a payload key read: codes → labels (merged with other apps'), or a
    function of the value."""
    if isinstance(label, dict):
        _TABLES[key].update(label)
    else:
        _FUNCTIONS[key] = label


def _coded(key: str, value: Any) -> str | None:
    if key in _FUNCTIONS:
        return _FUNCTIONS[key](value)
    table = _TABLES.get(key)
    if table is not None and str(value) in table:
        return table[str(value)]
    return None


def type_label(object_type: str) -> str:
    """`people.membership` → 会籍; a record type's slug (`members`) → its model's name."""
    model = _model(object_type)
    if model is not None:
        return str(model._meta.verbose_name)
    return {"database": "数据库"}.get(object_type, object_type)


def known_types() -> list[str]:
    """Every model's stored type (`people.membership`) and every record type's slug."""
    from gonghui.core.records.registry import registry

    return [m._meta.label_lower for m in apps.get_models()] + [r.slug for r in registry]


def _model(object_type: str) -> type[models.Model] | None:
    if not object_type:
        return None
    if "." in object_type:
        try:
            return apps.get_model(object_type)
        except (LookupError, ValueError):
            return None
    from gonghui.core.records.registry import registry

    try:
        return registry[object_type].model
    except KeyError:
        return None


@dataclass(frozen=True)
class Line:
    """One line of the change column: 所属组织：城关街道 → 港区街道, or 格式：docx."""

    label: str
    after: str
    before: str | None = None  # None: a value, not a change

    @property
    def is_change(self) -> bool:
        return self.before is not None


def _field(model: type[models.Model] | None, key: str) -> models.Field[Any, Any] | None:
    if model is None:
        return None
    for field in model._meta.concrete_fields:
        if key in (field.name, field.attname):
            return field  # type: ignore[return-value]
    return None


def _is_change(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"before", "after"}


class _Names:
    """The str of the objects foreign keys point at, fetched once per model for a page."""

    def __init__(self) -> None:
        self.wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
        self.found: dict[type[models.Model], dict[Any, str]] = {}

    def want(self, field: models.Field[Any, Any], value: Any) -> None:
        if value not in (None, "") and value != HIDDEN:
            self.wanted[field.related_model].add(value)  # type: ignore[index]

    def fetch(self) -> None:
        for model, keys in self.wanted.items():
            manager = model._base_manager
            try:
                self.found[model] = {
                    obj.pk: str(obj) for obj in manager.filter(pk__in=list(keys))
                }
            except (ValueError, TypeError):  # a key of the wrong type in an old row
                self.found[model] = {}

    def name(self, field: models.Field[Any, Any], value: Any) -> str:
        names = self.found.get(field.related_model, {})  # type: ignore[arg-type]
        for key in (value, str(value)):
            if key in names:
                return names[key]
        try:
            return names.get(int(value), f"编号{value}（已删除）")
        except (TypeError, ValueError):
            return f"编号{value}（已删除）"


def _date_text(value: Any, field: models.Field[Any, Any]) -> str | None:
    if isinstance(field, models.DateTimeField):
        moment = value if isinstance(value, datetime.datetime) else parse_datetime(str(value))
        if moment is None:
            return None
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(field, models.DateField):
        day = value if isinstance(value, datetime.date) else parse_date(str(value)[:10])
        return day.isoformat() if day is not None else None
    return None


def field_value(field: models.Field[Any, Any], value: Any, names: _Names, key: str) -> str:
    """A stored value of a model field as its record page would show it."""
    if value is None or value == "":
        return EMPTY
    if value == HIDDEN:
        return HIDDEN
    if field.is_relation and key == field.attname:
        return names.name(field, value)
    if field.choices:
        labels = {str(code): str(label) for code, label in field.flatchoices}
        return labels.get(str(value), str(value))
    if isinstance(field, models.BooleanField):
        return "是" if value else "否"
    dated = _date_text(value, field) if isinstance(field, models.DateField) else None
    if dated is not None:
        return dated
    return plain(value)


def plain(value: Any, key: str = "") -> str:
    """A payload value that is no model field: words, not Python notation."""
    if value is None or value == "":
        return EMPTY
    if not isinstance(value, dict | list | tuple):
        coded = _coded(key, value)
        if coded is not None:
            return coded
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):
        return "、".join(plain(item, key) for item in value) or EMPTY
    if isinstance(value, dict):
        return "；".join(f"{WORDS.get(k, k)}：{plain(v, k)}" for k, v in value.items()) or EMPTY
    return str(value)


def _label(model: type[models.Model] | None, key: str) -> str:
    field = _field(model, key)
    if field is not None:
        return str(field.verbose_name)
    return WORDS.get(key, key)


def lines(entries: Iterable[AuditEntry]) -> dict[int, list[Line]]:
    """Each entry's change column, by entry id; foreign keys named with one query per model."""
    entries = list(entries)
    names = _Names()
    models_of = {entry.pk: _model(entry.object_type) for entry in entries}
    for entry in entries:
        model = models_of[entry.pk]
        if not isinstance(entry.changes, dict):
            continue
        for key, value in entry.changes.items():
            field = _field(model, key)
            if field is None or not field.is_relation or key != field.attname:
                continue
            for part in (value["before"], value["after"]) if _is_change(value) else (value,):
                names.want(field, part)
    names.fetch()

    out: dict[int, list[Line]] = {}
    for entry in entries:
        model = models_of[entry.pk]
        changes = entry.changes if isinstance(entry.changes, dict) else {"": entry.changes}
        found: list[Line] = []
        for key, value in changes.items():
            label = _label(model, key)
            if _is_change(value):
                found.append(Line(label, _show(model, key, value["after"], names),
                                  _show(model, key, value["before"], names)))
            else:
                found.append(Line(label, _show(model, key, value, names)))
        out[entry.pk] = found
    return out


def _show(model: type[models.Model] | None, key: str, value: Any, names: _Names) -> str:
    field = _field(model, key)
    if field is not None:
        return field_value(field, value, names, key)
    if isinstance(value, dict) and model is not None:
        # A list filter or a child row's parent: its keys may be the model's fields.
        return "；".join(
            f"{_label(model, k)}：{_show(model, k, v, names)}" for k, v in value.items()
        ) or EMPTY
    return plain(value, key)
