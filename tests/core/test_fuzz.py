"""security.md row 18: every form, every import cell parser and the API, fuzzed.

- Hypothesis posts generated data to the create and edit form of every registered record type
  (taken from the registry, so a new type is fuzzed without a line here): never a 500.
- Every import column's parser (taken from the registry's import specs), and the identifier and
  date parsers under them, raise nothing but their documented validation error on any cell a
  spreadsheet can hold.
- Schemathesis generates requests from the OpenAPI schema (/api/schema/) and sends them as a
  town cadre through the Django test client: never a 500, and every row returned lies in the
  cadre's subtree.

Bounded (a few dozen examples each, no example database) so the suite stays within minutes.
"""

from __future__ import annotations

import datetime
import math
import random
from collections.abc import Callable
from typing import Any

import pytest
from django import forms
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gonghui.core.attachments.models import Attachment
from gonghui.core.imports.spec import CellError
from gonghui.core.records.registry import registry
from gonghui.core.text.dates import DateParseError, parse_date
from gonghui.core.text.identifiers import (
    IdentifierError,
    check_id_number,
    check_mobile,
    check_uscc,
    make_id_number,
    make_uscc,
    normalize_id_number,
)
from gonghui.orgs.models import Organization
from tests.conftest import Federation

FUZZ = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# What a spreadsheet cell can hold once read (python-calamine): text, numbers, booleans, dates,
# times and durations, plus the odd forms people type.
TRICKY_TEXT = st.sampled_from([
    "", " ", "\x00", "=1+1", "'", "NaN", "inf", "-0", "1e308", "０１２３", "２０２４年２月３０日",
    "19900230", "1900-02-29", "9999-12-31", "0000-00-00", "37028519900307509X", "x" * 300,
    "\u202e", "😀", "<script>alert(1)</script>", "' OR 1=1 --", "%s%s%s", "1.0", "-1",
])
CELLS = st.one_of(
    st.text(max_size=40),
    TRICKY_TEXT,
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.times(),
    st.timedeltas(),
)


# --- import cell parsers --------------------------------------------------------------------


def import_parsers() -> list[tuple[str, Callable[[Any], Any]]]:
    parsers = []
    for record in registry:
        if record.import_spec is not None:
            for column in record.import_spec.columns:
                parsers.append((f"{record.slug}:{column.header}", column.parse))
    return parsers


def test_the_registry_has_import_parsers_to_fuzz() -> None:
    names = [name for name, _parse in import_parsers()]
    assert "members:身份证号" in names and "orgs:统一社会信用代码" in names


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "parse"), import_parsers(), ids=lambda p: str(p))
@FUZZ
@given(cell=CELLS)
def test_import_cell_parsers_raise_only_cell_errors(
    name: str, parse: Callable[[Any], Any], cell: Any
) -> None:
    try:
        parse(cell)
    except CellError as exc:
        assert exc.message, name  # a reason the error workbook can show


@settings(max_examples=150, deadline=None, database=None)
@given(cell=CELLS)
def test_identifier_and_date_parsers_raise_only_their_validation_error(cell: Any) -> None:
    checks: list[tuple[Callable[[Any], Any], type[Exception]]] = [
        (normalize_id_number, IdentifierError),
        (check_id_number, IdentifierError),
        (check_uscc, IdentifierError),
        (check_mobile, IdentifierError),
        (parse_date, DateParseError),
    ]
    for check, error in checks:
        try:
            check(cell)
        except error as exc:
            assert str(exc)


# --- every record form ----------------------------------------------------------------------


def plausible_text(name: str) -> st.SearchStrategy[str]:
    """Values a cadre would type into a text field of this name, valid or nearly so."""
    seeds = st.integers(min_value=0, max_value=10**6).map(random.Random)
    if "id_number" in name:
        return seeds.map(lambda rng: make_id_number(
            rng, area_code="370285", birth_date=datetime.date(1990, 1, 1), sex="F"))
    if "mobile" in name or "phone" in name:
        return st.from_regex(r"1[3-9]\d{9}", fullmatch=True)
    if "uscc" in name:
        return seeds.map(make_uscc)
    return st.text(alphabet="张王李赵工会厂一二三ABC123-", min_size=1, max_size=20)


def field_values(name: str, field: forms.Field) -> st.SearchStrategy[Any]:
    """Plausible and implausible posted values for one form field."""
    junk = st.one_of(st.text(max_size=30), TRICKY_TEXT)
    if isinstance(field, forms.ModelChoiceField):
        pks = list(field.queryset.values_list("pk", flat=True)[:20])
        # Valid choices, ids of rows outside the user's choices, and nonsense.
        every = list(field.queryset.model._default_manager.values_list("pk", flat=True)[:40])
        return st.one_of(
            st.sampled_from(pks or [""]), st.sampled_from(every or [""]),
            st.integers(min_value=-5, max_value=10**12), junk,
        )
    if isinstance(field, forms.ChoiceField):
        values = [value for value, _label in field.choices if value != ""]
        return st.one_of(st.sampled_from(values or [""]), junk)
    if isinstance(field, forms.BooleanField):
        return st.sampled_from(["on", "", "true", "false", "0"])
    if isinstance(field, forms.DateField):
        return st.one_of(st.dates().map(str), st.dates().map(lambda d: f"{d:%Y年%m月%d日}"), junk)
    if isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
        return st.one_of(
            st.integers(min_value=-(10**15), max_value=10**15).map(str),
            st.floats(allow_nan=True).map(lambda f: "nan" if math.isnan(f) else str(f)),
            junk,
        )
    return st.one_of(plausible_text(name), plausible_text(name), junk)


def form_data(record: Any, user: Any) -> st.SearchStrategy[dict[str, Any]]:
    form = record.form_class(user=user)
    # Every field posted (as the browser does), plus fields the form does not offer.
    fields = {name: field_values(name, field) for name, field in form.fields.items()}
    return st.fixed_dictionaries(
        fields, optional={"org_path": st.text(max_size=10), "id": st.integers()}
    )


@pytest.mark.django_db
@pytest.mark.parametrize("slug", [record.slug for record in registry])
def test_every_record_form_survives_any_post(
    federation: Federation, login: Callable[[str], Client], make_persona: Callable[[str], Any],
    slug: str,
) -> None:
    record = registry[slug]
    user = make_persona("city_admin")
    client = login("city_admin")
    target = federation.branch_objects("a")[slug]
    create = reverse(record.url_name("create"))
    update = reverse(record.url_name("update"), args=[target.pk])
    paths_before = sorted(Organization.objects.values_list("path", flat=True))

    @FUZZ
    @given(data=form_data(record, user), edit=st.booleans())
    def post(data: dict[str, Any], edit: bool) -> None:
        response = client.post(update if edit else create, data)
        statuses.append(response.status_code)
        assert response.status_code in {200, 302, 400}, (response.status_code, data)

    statuses: list[int] = []
    post()
    # The control: the generated posts are not all refused before reaching the form.
    assert 400 in statuses    # The tree stayed a tree: no post left a node with a broken path.
    assert set(paths_before) <= set(Organization.objects.values_list("path", flat=True))
    assert Organization.objects.find_problems() == ([], [], [], [], [])


# --- the API, from its OpenAPI schema -------------------------------------------------------


def schema_operations(client: Client) -> list[Any]:
    import schemathesis

    response = client.get(reverse("api-schema"), {"format": "json"})
    assert response.status_code == 200
    schema = schemathesis.openapi.from_dict(response.json())
    operations = [result.ok() for result in schema.get_all_operations()]
    return [op for op in operations if op.method.upper() == "GET"]


@pytest.mark.django_db
def test_api_fuzzed_from_its_schema_as_a_town_cadre(
    federation: Federation, login: Callable[[str], Client], make_persona: Callable[[str], Any]
) -> None:
    client = login("town_a_cadre")
    cadre = make_persona("town_a_cadre")
    subtree = cadre.org.path
    operations = schema_operations(client)
    assert {op.path for op in operations} >= {"/api/orgs/", "/api/members/{id}/"}
    # Ids of the other branch too, so that detail requests aim outside the subtree.
    ids = {
        record.slug: sorted(record.model._default_manager.values_list("pk", flat=True))
        for record in registry
    }

    def in_subtree(path: str, row: dict[str, Any]) -> bool:
        """Whether a row an endpoint answered lies in the subtree: a record by its own path, a
        child row (`/api/<slug>/{id}/<child>/…`) by its parent's, an attachment by its own."""
        slug, *under = path.strip("/").split("/")[1:]
        record = registry[slug]
        if len(under) < 2:
            obj = record.model._default_manager.get(pk=row["id"])
        elif under[1] == "attachments":
            obj = Attachment.objects.get(pk=row["id"])
        else:
            child = record.child(under[1])
            obj = getattr(child.model._default_manager.get(pk=row["id"]), child.parent_field)
        return bool(getattr(obj, type(obj).scope_path_field).startswith(subtree))

    checked = 0

    def fuzz(operation: Any) -> None:
        slug = operation.path.split("/")[2]

        @settings(
            max_examples=12, deadline=None, database=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                   HealthCheck.filter_too_much],
        )
        @given(case=operation.as_strategy(), pk=st.sampled_from(ids[slug] or [1]))
        def call(case: Any, pk: int) -> None:
            nonlocal checked
            path = case.formatted_path
            if "{id}" in case.path and pk % 2:
                # Half the detail requests name a real row, of either branch.
                path = case.path.replace("{id}", str(pk))
            query = {k: v for k, v in (case.query or {}).items() if v is not None}
            response = client.get(path, query)
            assert response.status_code < 500, (path, query, response.status_code)
            if response.status_code != 200:
                return
            if "{attachment}" in case.path:  # a file: its attachment must be the cadre's
                attachment = Attachment.objects.get(pk=path.rstrip("/").split("/")[-1])
                assert attachment.org_path.startswith(subtree), path
                checked += 1
                return
            body = response.json()
            rows = body.get("results", [body]) if isinstance(body, dict) else body
            for row in rows:
                assert in_subtree(case.path, row), (path, query, row["id"])
            checked += 1

        call()

    for operation in operations:
        fuzz(operation)
    assert checked > 0
    # The control: the other branch's detail URLs answer 404.
    for record in registry:
        other = federation.branch_objects("b")[record.slug]
        assert client.get(f"/api/{record.slug}/{other.pk}/").status_code == 404


# --- uploads: sparse, far-cell and lying-dimension workbooks (issue 12, finding 2) ------------

# Rows and columns near the data and far from it: a few cells anywhere on Excel's grid.
NEAR_OR_FAR_ROW = st.one_of(st.integers(1, 60), st.integers(1, 1_048_576))
NEAR_OR_FAR_COLUMN = st.one_of(st.integers(1, 12), st.integers(1, 16_384))
CELL_AT = st.tuples(NEAR_OR_FAR_ROW, NEAR_OR_FAR_COLUMN)


def a1(row: int, column: int) -> str:
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return f"{letters}{row}"


def beyond_limits(corners: list[tuple[int, int]]) -> bool:
    """What row 28 promises: a range wider than 1,024 columns, or spanning more than 4 M cells
    when the sheet holds only a few, is never handed to the reader."""
    rows, columns = [r for r, _c in corners], [c for _r, c in corners]
    area = (max(rows) - min(rows) + 1) * (max(columns) - min(columns) + 1)
    return max(columns) > 1024 or area > 4_000_000


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(CELL_AT, min_size=1, max_size=12, unique=True),
       dimension=st.one_of(st.none(), st.just("true"), st.tuples(CELL_AT, CELL_AT)))
def test_sparse_far_and_lying_sheets_are_refused_before_the_reader(
    tmp_path_factory: Any, cells: list[tuple[int, int]], dimension: Any
) -> None:
    """Any few cells anywhere, with no <dimension>, a true one or a lying one (too large or too
    small): refused with the Chinese message exactly when the cells or the declared range reach
    beyond the limits; otherwise the sheet is read."""
    from gonghui.core.imports.spec import ImportRejected
    from gonghui.core.imports.uploads import MESSAGE_RANGE, check_upload, open_sheet
    from tests.core.test_uploads import _sheet_xml, make_xlsx, rewrite_zip

    folder = tmp_path_factory.mktemp("sheets")
    sample = make_xlsx(folder / "sample.xlsx", [["姓名"], ["张三"]])
    ranges = [[(min(r for r, _ in cells), min(c for _, c in cells)),
               (max(r for r, _ in cells), max(c for _, c in cells))]]
    declared = None
    if dimension == "true":
        declared = f"{a1(*ranges[0][0])}:{a1(*ranges[0][1])}"
    elif dimension is not None:
        declared = f"{a1(*dimension[0])}:{a1(*dimension[1])}"
        ranges.append(list(dimension))
    xml = _sheet_xml(declared, [a1(r, c) for r, c in cells])
    path = rewrite_zip(sample, folder / "fuzzed.xlsx", {"xl/worksheets/sheet1.xml": xml})
    if any(beyond_limits(corners) for corners in ranges):
        with pytest.raises(ImportRejected) as caught:
            check_upload(path, filename="fuzzed.xlsx")
        assert caught.value.message == MESSAGE_RANGE
        return
    assert check_upload(path, filename="fuzzed.xlsx") == "xlsx"
    top, left = ranges[0][0]
    (bottom, right) = ranges[0][1]
    if (bottom - top + 1) * (right - left + 1) <= 200_000:  # reading a large grid takes long
        _total, rows = open_sheet(path, "xlsx")
        assert sum(1 for row in rows if any(v not in ("", None) for v in row)) == len(
            {r for r, _c in cells})
