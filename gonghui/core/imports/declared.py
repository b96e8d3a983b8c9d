"""An import declared from a record type: name the fields, get the whole import.

    import_spec=RecordImport("union", "held_on", "term_years", "guided_by",
                             title="换届记录导入模板", instructions="填表说明：…")

From the fields come the columns (headers from the fields' Chinese names, or given ones; foreign
keys by the target type's natural key, e.g. 工会编码; choices by label with a dropdown; dates
through `parse_day`; money as Decimal; 是/否), the template, and the row checks: every foreign
key looked up in bulk among the records the importer sees, then each row through the model's
rules (`full_clean`: field validators, `clean`, unique constraints) and the record type's form
(its scoped choices and cross-field rules), duplicates within the file, and the rows written in
the engine's transaction. The engine, the error workbook, the background job, the CLI and the
web page need nothing more (docs/architecture.md, "Declaring an import").

A row whose natural key (the first set of fields unique across the table that the import has
columns for: 工会 + 换届日期, 卡号 …) matches a record the importer sees updates that record:
its filled cells replace the record's values, empty optional cells keep them, and the same
model and form rules apply. A match outside the importer's subtree is refused with a Chinese
reason. A type whose imports must only ever add records declares `updates=False`; then a match
is refused as a duplicate.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models

from gonghui.core.imports.spec import (
    CellError,
    ImportColumn,
    ImportContext,
    ImportSpec,
    Row,
    WriteResult,
    parse_day,
    text,
)

if TYPE_CHECKING:
    from gonghui.core.records.registry import RecordType

YES, NO = "是", "否"
# A row's natural key matches a record outside the importer's subtree.
OUTSIDE = object()
MONEY_PLACES = 2


@dataclass(frozen=True)
class Field:
    """One declared column: a model field, with its header or note when the default won't do."""

    name: str
    header: str = ""
    note: str = ""
    required: bool | None = None  # None: required when the model requires a value


def parse_yes_no(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = text(value)
    if word in {YES, "Y", "y", "1", "TRUE", "True", "true", "√"}:
        return True
    if word in {NO, "N", "n", "0", "FALSE", "False", "false", "×"}:
        return False
    raise CellError(f"应为“{YES}”或“{NO}”")


def money_parser(places: int = MONEY_PLACES) -> Callable[[Any], decimal.Decimal]:
    """A money cell: a number of yuan, not below zero, at most `places` decimals (fen)."""

    def parse_money(value: Any) -> decimal.Decimal:
        if isinstance(value, bool):
            raise CellError("应为金额数字")
        word = text(value) if not isinstance(value, float) else repr(value)
        word = word.replace(",", "").replace("，", "").removesuffix("元").strip()
        try:
            amount = decimal.Decimal(word)
        except decimal.InvalidOperation:
            raise CellError("应为金额数字，如 1200.50") from None
        if not amount.is_finite():
            raise CellError("应为金额数字，如 1200.50")
        if amount < 0:
            raise CellError("不能小于0")
        # Beyond any money column (12 digits of yuan): quantizing it would overflow the
        # decimal context, and no record could hold it.
        if amount.adjusted() >= 12:
            raise CellError("金额过大，请核对")
        if amount != amount.quantize(decimal.Decimal(1).scaleb(-places)):
            raise CellError(f"最多保留{places}位小数")
        return amount.quantize(decimal.Decimal(1).scaleb(-places))

    return parse_money


def parse_whole(value: Any) -> int:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    word = text(value).removesuffix("年").removesuffix("人")
    if not word.lstrip("-").isdigit():
        raise CellError("应为整数")
    return int(word)


def choice_parser(field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    """A coded field by its label (男, 县级模范职工之家); the stored value is accepted too."""
    by_label = {str(label): value for value, label in field.flatchoices}
    by_value = {str(value): value for value, _label in field.flatchoices}
    expected = "、".join(by_label)

    def parse_choice(value: Any) -> Any:
        word = text(value)
        for table in (by_label, by_value):
            if word in table:
                return table[word]
        # "3" for "3年": a number typed where the label carries a unit.
        found = [v for label, v in by_label.items() if label.rstrip("年人个") == word]
        if len(found) == 1:
            return found[0]
        raise CellError(f"应为{expected}")

    return parse_choice


class RecordImport(ImportSpec):
    """An `ImportSpec` read from a record type's fields; see the module docstring."""

    def __init__(
        self,
        *fields: str | Field,
        title: str = "",
        instructions: str = "",
        updates: bool = True,
    ) -> None:
        self.fields = [f if isinstance(f, Field) else Field(f) for f in fields]
        # Whether a row matching an existing record by natural key updates it (else: refused).
        self.updates = updates
        self.title = title
        self.instructions = instructions
        self.record: RecordType | None = None

    def bind(self, record: RecordType) -> None:
        """Called when the record type is declared (`RecordType.__post_init__`)."""
        self.record = record
        self.slug = record.slug
        if not self.title:
            self.title = f"{record.label}导入模板"

    @property
    def record_type(self) -> RecordType:
        if self.record is None:
            raise RuntimeError("RecordImport used before its record type was declared")
        return self.record

    @property
    def model(self) -> type[models.Model]:
        return self.record_type.model

    # Columns are worked out on first use, once every app has declared its record types: a
    # foreign key's header and lookup come from its target's declaration.
    @cached_property
    def columns(self) -> Sequence[ImportColumn]:  # type: ignore[override]
        return [self._column(f) for f in self.fields]

    @cached_property
    def _by_field(self) -> dict[str, ImportColumn]:
        return {f.name: c for f, c in zip(self.fields, self.columns, strict=True)}

    def _target(self, field: models.Field[Any, Any]) -> RecordType:
        from gonghui.core.records.registry import registry

        target = registry.for_model(field.related_model)  # type: ignore[arg-type]
        if target is None or not target.natural_key:
            raise LookupError(
                f"{self.model.__name__}.{field.name}: its target declares no natural_key"
            )
        return target

    def _column(self, declared: Field) -> ImportColumn:
        field = self.model._meta.get_field(declared.name)
        assert isinstance(field, models.Field)
        label = str(field.verbose_name)
        required = declared.required
        if required is None:
            required = not field.blank and not field.has_default()
        parse: Callable[[Any], Any] = text
        header, choices = declared.header or label, []
        as_text, cache = False, False
        # Exported in this layout, a record re-imports as an update of itself: only where rows
        # are matched by a natural key and matches update (`updates`).
        export: str | None = declared.name if self.updates and self.natural_key else None
        if field.is_relation:
            target = self._target(field)
            header = declared.header or f"{label}{target.natural_key_label}"
            parse, as_text, cache = _key_text, True, True
            if export is not None:
                export = f"{declared.name}__{target.natural_key}"
        elif field.choices:
            parse, cache = choice_parser(field), True
            choices = [str(label) for _value, label in field.flatchoices]
        elif isinstance(field, models.BooleanField):
            parse, cache, choices = parse_yes_no, True, [YES, NO]
        elif isinstance(field, models.DateField):
            parse, cache = parse_day, True
            declared = Field(declared.name, declared.header,
                             declared.note or "日期格式如 2018-05-01", declared.required)
        elif isinstance(field, models.DecimalField):
            parse = money_parser(min(field.decimal_places or 0, MONEY_PLACES))
        elif isinstance(field, models.IntegerField):
            parse = parse_whole
        else:
            as_text = True  # codes and numbers stay as typed: 0 in front, all 18 digits
        return ImportColumn(header, declared.name, parse, required=required, choices=choices,
                            as_text=as_text, note=declared.note, cache=cache, export=export,
                            width=max(12, min(32, len(header) * 2 + 4)))

    def _unique_sets(self) -> list[tuple[str, ...]]:
        """Field sets unique across the table, for duplicates within one file."""
        opts = self.model._meta
        sets: list[tuple[str, ...]] = [
            (f.name,) for f in opts.concrete_fields if f.unique and not f.primary_key
        ]
        sets += [tuple(c.fields) for c in opts.constraints
                 if isinstance(c, models.UniqueConstraint) and c.fields and c.condition is None]
        declared = {f.name for f in self.fields}
        return [s for s in sets if set(s) <= declared]

    # -- rows ---------------------------------------------------------------------------------

    def check(self, rows: list[Row], context: ImportContext) -> None:
        found = self._resolve(rows, context)
        seen: dict[tuple[Any, ...], int] = context.cache.setdefault("seen", {})
        unique_sets = self._unique_sets()
        keyed: list[tuple[Row, dict[str, Any]]] = []
        for row in rows:
            if not row.ok:
                continue
            # An empty optional cell leaves the field to its default (否, blank, none), or on
            # an update the record's value.
            values = {k: v for k, v in row.values.items() if v is not None}
            for name, lookup in found.items():
                key = values.get(name)
                if key is not None:
                    values[name] = lookup[key]
            keyed.append((row, values))
        existing = self._existing(keyed, context) if self.updates else {}
        for row, values in keyed:
            match = existing.get(id(row))
            if match is OUTSIDE:
                row.reject(None, f"该{self.record_type.label}已有记录，但不在您的管辖范围内，"
                                 "不能更新")
                continue
            instance = self._validate(row, values, context, match)
            if instance is None:
                continue
            for fields in unique_sets:
                key = (fields, *(_identity(values.get(f)) for f in fields))
                if key in seen:
                    headers = "、".join(self._by_field[f].header for f in fields)
                    row.reject(self._by_field[fields[0]].header,
                               f"与第{seen[key]}行重复（{headers}）")
                    break
            else:
                for fields in unique_sets:
                    seen[(fields, *(_identity(values.get(f)) for f in fields))] = row.number
                row.values["_instance"] = instance

    def _resolve(self, rows: list[Row], context: ImportContext) -> dict[str, dict[str, Any]]:
        """Every foreign key cell looked up in one query per column, among the records the
        importer sees: a key outside their subtree reads exactly like one that does not exist."""
        found: dict[str, dict[str, Any]] = {}
        for name, column in self._by_field.items():
            field = self.model._meta.get_field(name)
            if not field.is_relation:
                continue
            target = self._target(field)  # type: ignore[arg-type]
            keys = {row.values[name] for row in rows if row.ok and row.values.get(name)}
            lookup = {
                getattr(obj, target.natural_key): obj
                for obj in target.base_queryset(context.user).filter(
                    **{f"{target.natural_key}__in": keys}
                )
            } if keys else {}
            found[name] = lookup
            for row in rows:
                key = row.values.get(name)
                if row.ok and key and key not in lookup:
                    row.reject(column.header,
                               f"“{column.header}”{key}不存在或不在您的管辖范围内")
        return found

    @property
    def natural_key(self) -> tuple[str, ...]:
        """The fields a row is matched to an existing record by: the first unique set."""
        sets = self._unique_sets()
        return sets[0] if sets else ()

    def _existing(
        self, keyed: list[tuple[Row, dict[str, Any]]], context: ImportContext
    ) -> dict[int, Any]:
        """{id(row): the record its natural key matches, or OUTSIDE} for the rows that match.

        Looked up among the records the importer sees; a key not found there is looked for in
        the whole table only to say why the row is refused (an update outside the subtree),
        never to read or change that record."""
        fields = self.natural_key
        if not fields:
            return {}

        def key_of(values: dict[str, Any]) -> tuple[Any, ...] | None:
            key = tuple(_identity(values.get(f)) for f in fields)
            return None if any(part is None for part in key) else key

        wanted = {key for _row, values in keyed if (key := key_of(values)) is not None}
        if not wanted:
            return {}
        first = {key[0] for key in wanted}
        attnames = [self.model._meta.get_field(f).attname for f in fields]  # type: ignore[union-attr]

        def index(queryset: models.QuerySet[Any]) -> dict[tuple[Any, ...], Any]:
            rows = queryset.filter(**{f"{attnames[0]}__in": first})
            return {key: obj for obj in rows
                    if (key := tuple(getattr(obj, a) for a in attnames)) in wanted}

        seen = index(self.record_type.base_queryset(context.user))
        missing = {key[0] for key in wanted if key not in seen}
        elsewhere = set(index(self.model._default_manager.all())) - set(seen) if missing else set()
        matched: dict[int, Any] = {}
        for row, values in keyed:
            key = key_of(values)
            if key in seen:
                matched[id(row)] = seen[key]
            elif key in elsewhere:
                matched[id(row)] = OUTSIDE
        return matched

    def _validate(
        self, row: Row, values: dict[str, Any], context: ImportContext, existing: Any = None
    ) -> Any:
        """The row through the model's rules, then the record type's form; the instance to
        write (the existing record, changed, when the row updates one), or None when the row
        was rejected."""
        declared = {f.name for f in self.fields}
        if existing is not None:
            instance = existing
            for name, value in values.items():
                if name in declared:
                    setattr(instance, name, value)
            values = {**{name: getattr(instance, name) for name in declared}, **values}
        else:
            instance = self.model(**{k: v for k, v in values.items() if k in declared})
        reasons: dict[str | None, list[str]] = {}
        derive = getattr(instance, "owning_org_changed", None)
        if derive is not None:
            derive()  # the owner and derived fields, as `save` will set them
        exclude = {f.name for f in self.model._meta.concrete_fields if not f.editable}
        exclude |= {"org"} if "org" not in declared else set()
        try:
            instance.full_clean(exclude=exclude)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                reasons.setdefault(None if name == NON_FIELD_ERRORS else name, []).extend(
                    messages
                )
        form_data = {k: (v.pk if isinstance(v, models.Model) else v) for k, v in values.items()
                     if k in declared}
        form = self.record_type.form_class(data=form_data, instance=existing,
                                           user=context.user)
        if not form.is_valid():
            for name, errors in form.errors.items():
                key = None if name == NON_FIELD_ERRORS else name
                if key is not None and key in reasons:
                    continue  # the model's reason is the clearer one
                known = {m for ms in reasons.values() for m in ms}
                fresh = [str(m) for m in errors if str(m) not in known]
                if key is not None and key not in declared:
                    # A rule of the form on a field the import has no column for.
                    label = form.fields[key].label if key in form.fields else key
                    key, fresh = None, [f"{label}：{m}" for m in fresh]
                reasons.setdefault(key, []).extend(fresh)
        if not reasons:
            for name in declared & set(form.cleaned_data):
                setattr(instance, name, form.cleaned_data[name])  # the form's normal form
            return instance
        for field_name, messages in reasons.items():
            column = self._by_field.get(field_name) if field_name else None
            for message in messages:
                row.reject(column.header if column else None, message)
        return None

    def write(self, rows: list[Row], context: ImportContext) -> WriteResult:
        # One save per row: the model's own `save` (derived fields, the owner's path) runs.
        updated = 0
        for row in rows:
            instance = row.values["_instance"]
            updated += instance.pk is not None
            instance.save()
        return WriteResult(created=len(rows) - updated, updated=updated)


def _key_text(value: Any) -> str:
    word = text(value)
    # An ID number is stored with a capital X; a cadre types either.
    return word.upper() if len(word) == 18 and word[-1] == "x" else word


def _identity(value: Any) -> Any:
    return value.pk if isinstance(value, models.Model) else value
