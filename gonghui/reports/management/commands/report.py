from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gonghui.core.audit import log as audit
from gonghui.core.audit.models import AuditAction
from gonghui.core.ops.operator import acting_user
from gonghui.orgs.models import Organization
from gonghui.reports import outputs
from gonghui.reports.periods import Period, PeriodError
from gonghui.reports.review import compile_review


class Command(BaseCommand):
    help = (
        "Compile the work review of an organisation for a period: "
        "gonghui report --org CODE --period 2018H1 --format docx."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="organisation code (组织编码)")
        parser.add_argument("--period", required=True,
                            help="2018H1, 2018H2, 2018, 2018Q3, 2018-05 or 2018-01-01..2018-03-31")
        parser.add_argument("--format", dest="fmt", choices=sorted(outputs.FORMATS),
                            default="json")
        parser.add_argument("--output", type=Path,
                            help="file to write (default: JSON to standard output; other "
                                 "formats to CODE-PERIOD.EXT in the current directory)")
        parser.add_argument("--as", dest="username",
                            help="compile with this account's subtree "
                                 "(default: the whole tree, as the server's operator)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            period = Period.parse(options["period"])
        except PeriodError as exc:
            raise CommandError(str(exc)) from exc
        user = acting_user(options["username"], "reports.view_review",
                           denied="没有查看工作回顾的权限")
        code = options["org"].strip()
        org = Organization.objects.visible_to(user).filter(code=code).first()
        if org is None:
            raise CommandError(f"找不到组织编码为“{code}”的组织（或不在您的管辖范围内）")
        review = compile_review(org, period, user)
        fmt: str = options["fmt"]
        output: Path | None = options["output"]
        if fmt == "json" and output is None:
            self.stdout.write(outputs.to_json(review))
        else:
            if output is None:
                safe_period = period.code.replace("..", "_")
                output = Path(f"{org.code}-{safe_period}.{outputs.FORMATS[fmt][1]}")
            data = outputs.render(review, fmt)
            output.write_bytes(data)
            self.stderr.write(f"已生成：{output}（{review.title}）")
        audit.record(
            AuditAction.EXPORT, user=user, object_type="reports.review",
            changes={"org": org.code, "period": period.code, "format": fmt},
        )
