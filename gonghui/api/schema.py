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
    result.setdefault("tags", [])
    known = {tag["name"] for tag in result["tags"]}
    for record in registry:
        name = record.label_plural
        if name not in known:
            result["tags"].append({
                "name": name,
                "description": f"{name}：列表与单条只读，按您的管辖范围和权限返回，"
                               "身份证号、手机号无“查看完整信息”权限时打码",
            })
            known.add(name)
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


def _describe(parameter: dict[str, Any]) -> None:
    name = parameter.get("name", "")
    description = parameter.get("description") or ""
    if name.endswith("_after") and "（起" not in description:
        parameter["description"] = f"{description or '日期'}（起，YYYY-MM-DD，含当日）"
    elif name.endswith("_before") and "（止" not in description:
        parameter["description"] = f"{description or '日期'}（止，YYYY-MM-DD，含当日）"
    elif not description and (str(parameter.get("in")), name) in PARAMETERS:
        parameter["description"] = PARAMETERS[(str(parameter.get("in")), name)]
