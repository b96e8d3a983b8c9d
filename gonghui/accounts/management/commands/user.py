from __future__ import annotations

import sys
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from gonghui.accounts.actions import create_user, issue_token
from gonghui.accounts.roles import Role
from gonghui.orgs.models import Organization


class Command(BaseCommand):
    help = "Manage cadre accounts: gonghui user create USERNAME --org CODE --role ROLE."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create an account")
        create.add_argument("username")
        create.add_argument("--org", required=True, help="organisation code")
        create.add_argument(
            "--role", required=True, action="append", choices=Role.values, help="role (repeatable)"
        )
        create.add_argument("--name", default="", help="the person's name")
        create.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )
        token = sub.add_parser("token", help="print an API token for an account")
        token.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "token":
            try:
                self.stdout.write(issue_token(username=options["username"]))
            except ValidationError as exc:
                raise CommandError("；".join(exc.messages)) from exc
            return
        try:
            org = Organization.objects.get(code=options["org"])
        except Organization.DoesNotExist as exc:
            raise CommandError(f"组织编码 {options['org']} 不存在") from exc
        password = None
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
            try:
                validate_password(password)
            except ValidationError as exc:
                raise CommandError("密码不符合要求：" + "；".join(exc.messages)) from exc
        try:
            user = create_user(
                username=options["username"],
                org=org,
                roles=options["role"],
                password=password,
                name=options["name"],
            )
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        note = "" if password else "（未设置密码，无法登录；请用 --password-stdin 设置）"
        self.stdout.write(
            f"已创建用户 {user.username}：{org.name}，{'、'.join(user.role_labels)}{note}"
        )
