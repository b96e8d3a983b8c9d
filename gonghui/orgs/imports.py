"""The organisation import (template `orgs`): new unions under parents on record or above them in
the sheet, and corrections to organisations already on record. Elections and workers' homes are
declared imports (`RecordImport` in gonghui/orgs/records.py); their 填表说明 are here."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Subquery
from django.db.models.functions import Length, Substr

from gonghui.core.imports.spec import (
    CellError,
    ImportColumn,
    ImportContext,
    ImportSpec,
    Row,
    WriteResult,
    cell_parser,
    parse_day,
    text,
)
from gonghui.core.text.identifiers import IdentifierError, check_uscc
from gonghui.orgs.forms import ALLOWED_CHILDREN
from gonghui.orgs.models import Organization, OrgKind

KINDS_BY_LABEL = {str(label): value for value, label in OrgKind.choices}


def parse_kind(value: Any) -> str:
    kind = KINDS_BY_LABEL.get(text(value))
    if kind is None:
        raise CellError("应为" + "、".join(KINDS_BY_LABEL))
    return kind


parse_uscc = cell_parser(check_uscc, IdentifierError, as_text=True)


class OrganizationImport(ImportSpec):
    slug = "orgs"
    title = "组织导入模板"
    instructions = (
        "填表说明：1. 红色列为必填；2. 上级组织须已在系统中，或在本表中写在下级之前"
        "（系统中还没有组织时，上级组织编码留空的一行即最上级组织，类型为市总工会）；"
        "3. 组织类型：镇街总工会在市总工会之下，基层工会、联合工会在镇街总工会或市总工会之下；"
        "4. 组织编码已存在时，按本表更新其名称、成立日期和统一社会信用代码；"
        "5. 指导单位编码（选填）：帮助建会的组织，须在您的管辖范围内。"
    )
    columns = (
        ImportColumn("组织编码", "code", text, required=True, as_text=True, export="code"),
        ImportColumn("组织名称", "name", text, required=True, width=32, export="name"),
        ImportColumn("组织类型", "kind", parse_kind, required=True,
                     choices=list(KINDS_BY_LABEL), export="kind"),
        ImportColumn("上级组织编码", "parent", text, as_text=True,
                     note="除最上级组织外必填", export=lambda org: org.parent_code or ""),
        ImportColumn("成立日期", "founded_on", parse_day, export="founded_on"),
        ImportColumn("统一社会信用代码", "uscc", parse_uscc, as_text=True, width=22,
                     export="uscc"),
        ImportColumn("指导单位编码", "guided_by", text, as_text=True, note="选填",
                     export="guided_by__code"),
    )

    def export_queryset(self, queryset: Any) -> Any:
        # The parent's code from the tree path (one subquery, not a query per row), looked for
        # among the exported organisations only, so the code of the organisation above the
        # cadre's subtree is not written out (an existing row's parent is not re-read); and the
        # tree's order: a parent is written before its children, as the import reads them.
        parent = queryset.order_by().filter(
            path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Organization.steplen)
        ).values("code")[:1]
        return queryset.annotate(parent_code=Subquery(parent)).order_by("path")

    def check(self, rows: list[Row], context: ImportContext) -> None:
        state = context.cache
        if "visible" not in state:
            visible = Organization.objects.visible_to(context.user).only(
                "id", "code", "kind", "path", "uscc"
            )
            # code -> kind of every organisation the importer may place children under.
            state["kinds"] = {org.code: org.kind for org in visible}
            state["visible"] = set(state["kinds"])
            # The root may be made only in a database with no organisation at all.
            state["empty"] = not Organization.objects.exists()
            state["usccs"] = {}
            state["new"] = {}
        kinds: dict[str, str] = state["kinds"]
        usccs: dict[str, int] = state["usccs"]
        new: dict[str, int] = state["new"]
        codes = [row.values["code"] for row in rows if row.values.get("code")]
        # Codes and credit codes anywhere on record, in or out of the importer's subtree, are
        # unique; the answer says only "in use".
        taken = set(Organization.objects.filter(code__in=codes).values_list("code", flat=True))
        uscc_owner = dict(
            Organization.objects.filter(
                uscc__in=[r.values["uscc"] for r in rows if r.values.get("uscc")]
            ).values_list("uscc", "code")
        )
        for row in rows:
            if not row.ok:
                continue
            values = row.values
            code, parent, kind = values["code"], values.get("parent"), values["kind"]
            if code in new:
                row.reject("组织编码", f"“组织编码”与第{new[code]}行重复")
                continue
            existing = code in state["visible"]
            if (code in taken and not existing) or (code in kinds and not existing):
                row.reject("组织编码", f"“组织编码”{code}已被使用")
                continue
            if existing:
                values["existing"] = True
            elif not parent:
                if not (state["empty"] and not kinds):
                    row.reject("上级组织编码", "“上级组织编码”为必填项（仅最上级组织可不填）")
                    continue
                if kind != OrgKind.CITY:
                    row.reject("组织类型", "最上级组织的类型应为市总工会")
                    continue
            elif parent not in kinds:
                row.reject("上级组织编码",
                           f"“上级组织编码”{parent}不存在、不在您的管辖范围内，或写在了下级之后")
                continue
            elif kind not in ALLOWED_CHILDREN.get(kinds[parent], set()):
                row.reject("组织类型", f"{OrgKind(kinds[parent]).label}之下不能设立"
                                        f"{OrgKind(kind).label}")
                continue
            guided = values.get("guided_by")
            if guided and (guided not in kinds or guided == code):
                row.reject("指导单位编码",
                           f"“指导单位编码”{guided}不存在、不在您的管辖范围内，或写在了本行之后")
                continue
            uscc = values.get("uscc")
            if uscc:
                first = usccs.get(uscc)
                if first is not None:
                    row.reject("统一社会信用代码", f"“统一社会信用代码”与第{first}行重复")
                    continue
                if uscc_owner.get(uscc, code) != code:
                    row.reject("统一社会信用代码", "“统一社会信用代码”已被其他组织使用")
                    continue
                usccs[uscc] = row.number
            new[code] = row.number
            if not existing:
                kinds[code] = kind  # later rows may hang under it
                state["visible"].add(code)
                values["existing"] = False

    def write(self, rows: list[Row], context: ImportContext) -> WriteResult:
        result = WriteResult()
        nodes = {
            org.code: org
            for org in Organization.objects.visible_to(context.user).filter(
                code__in={r.values.get("parent") or r.values["code"] for r in rows}
                | {r.values["code"] for r in rows}
                | {r.values["guided_by"] for r in rows if r.values.get("guided_by")}
            )
        }
        for row in rows:
            values = row.values
            fields = {
                "name": values["name"],
                "founded_on": values.get("founded_on"),
                "uscc": values.get("uscc") or "",
            }
            guided = values.get("guided_by")
            if guided:
                fields["guided_by"] = nodes[guided]
            if values["existing"]:
                node = nodes[values["code"]]
                for key, value in fields.items():
                    if value not in (None, ""):
                        setattr(node, key, value)
                node.save()
                result.updated += 1
                continue
            node = Organization(code=values["code"], kind=values["kind"], **fields)
            if values.get("parent"):
                # Fresh numchild; the parent is one the importer sees, or one this import made.
                parent = Organization.objects.visible_to(context.user).get(
                    pk=nodes[values["parent"]].pk
                )
                node = Organization.objects.add_child(parent, instance=node)
            else:
                node = Organization.objects.add_root(instance=node)
                if getattr(context.user, "org", None) is None and hasattr(
                    context.user, "adopt_root"
                ):
                    # The first import into an empty database: later chunks of this file
                    # find their parents under the root through the operator's scope.
                    context.user.adopt_root(node)
            nodes[node.code] = node
            result.created += 1
        return result


ELECTION_INSTRUCTIONS = (
    "填表说明：1. 红色列为必填；2. 工会编码须是您管辖范围内的基层工会或联合工会；"
    "3. 届期填3或5（年）；4. 日期可写作 2018-05-01、2018.5.1 或 2018年5月1日；"
    "5. 指导单位编码（选填）须在您的管辖范围内；6. 同一工会同一天的换届已登记的，该行不再导入。"
)

HOME_INSTRUCTIONS = (
    "填表说明：1. 红色列为必填；2. 工会编码须是您管辖范围内的基层工会或联合工会；"
    "3. 命名层级从下拉列表选择；4. 评定年度不能晚于命名日期所在年份；"
    "5. 建家标准各项填“是”或“否”（不填为否）；6. 同一工会同一年度同一层级只能命名一次。"
)
