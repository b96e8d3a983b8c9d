"""The OpenAPI schema in Chinese (/api/schema/, read by Swagger UI at /api/docs/).

Each record type's operations carry Chinese tags, summaries and descriptions (set where the
viewsets are generated, gonghui.api.views.viewset_for). This hook, run by drf-spectacular after
the schema is built, fills what the generator leaves English or empty: the tags' descriptions,
the query parameters that have no label (the org filter, the two ends of a date range, the
transition's path parameter) and the description of the two ways to sign in. DRF's own strings
(页码, 标识此…的唯一整数值) come translated by its Chinese catalogue.
"""

from __future__ import annotations

from typing import Any

from gonghui.core.records.menus import menu_groups
from gonghui.core.records.registry import registry

PARAMETERS = {  # (where, name): description
    ("query", "org"): "组织编号：只列出该组织及其下级组织的记录（须在您的管辖范围内）",
    ("query", "q"): "关键词",
    ("path", "name"): "流程事项代码",
}
SECURITY = {
    "cookieAuth": "浏览器会话：已在平台登录（含第二验证）即可在本页调试，写操作需带 CSRF 令牌",
    "tokenAuth": "API 令牌：请求头 Authorization: Token <令牌>；令牌有有效期和闲置期限，"
                 "账号停用或密码过期即失效",
}


def chinese_schema(result: dict[str, Any], generator: Any, request: Any, public: bool) -> Any:
    result["tags"] = _tags(result)
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                _describe(parameter)
    for name, scheme in result.get("components", {}).get("securitySchemes", {}).items():
        if name in SECURITY:
            scheme["description"] = SECURITY[name]
    return result


def _tags(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The record types in the menu's order (组织 and 会员 before the workstreams), each followed
    by its child rows' and attachments' tags (`活动：参与人员`), so Swagger UI lists them as the
    menu does; any other tag after them."""
    used: list[str] = []
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for tag in operation.get("tags", []) if isinstance(operation, dict) else []:
                if tag not in used:
                    used.append(tag)
    given = {tag["name"]: tag for tag in result.get("tags", [])}
    groups = {group.label: n for n, group in enumerate(menu_groups())}
    records = sorted(registry, key=lambda r: (groups.get(r.menu_group, len(groups)),
                                              r.menu_order, r.slug))
    tags: list[dict[str, Any]] = []
    for record in records:
        name = record.label_plural
        tags.append(given.get(name) or {
            "name": name,
            "description": f"{name}：列表与单条只读，按您的管辖范围和权限返回，"
                           "身份证号、手机号无“查看完整信息”权限时打码",
        })
        for tag in used:
            if tag.startswith(f"{name}："):
                part = tag.removeprefix(f"{name}：")
                tags.append(given.get(tag) or {"name": tag, "description": (
                    f"{name}的附件：列表、上传、下载、删除（写操作需修改权限）"
                    if part == "附件" else
                    f"{name}下的{part}：列表（附合计）、新增、修改、删除（写操作需修改权限，"
                    f"且{name}处于可修改的状态）"
                )})
    named = {tag["name"] for tag in tags}
    return tags + [given.get(tag) or {"name": tag} for tag in used if tag not in named]


def _describe(parameter: dict[str, Any]) -> None:
    name = parameter.get("name", "")
    description = parameter.get("description") or ""
    if name.endswith("_after") and "（起" not in description:
        parameter["description"] = f"{description or '日期'}（起，YYYY-MM-DD，含当日）"
    elif name.endswith("_before") and "（止" not in description:
        parameter["description"] = f"{description or '日期'}（止，YYYY-MM-DD，含当日）"
    elif not description and (str(parameter.get("in")), name) in PARAMETERS:
        parameter["description"] = PARAMETERS[(str(parameter.get("in")), name)]
