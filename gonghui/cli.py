"""The `gonghui` command: Gonghui's own commands, and `gonghui manage ...` for Django's."""

from __future__ import annotations

import os
import sys

# Gonghui's commands, in the order `gonghui --help` lists them.
COMMANDS = [
    "demo", "serve", "worker", "user", "import", "template", "report", "backup", "restore",
    "audit-prune", "gen-data",
]


def _module(name: str) -> str:
    """The management command module of a `gonghui` command (`audit-prune` → `audit_prune`):
    commands are spelt with a hyphen on the command line; Python modules cannot be."""
    return name.replace("-", "_")


def _database_url_first(args: list[str]) -> None:
    """`--database-url` must be known before settings load, so it is read here."""
    for i, arg in enumerate(args):
        value = None
        if arg == "--database-url" and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith("--database-url="):
            value = arg.split("=", 1)[1]
        if value is None:
            continue
        if value.startswith("sqlite:///"):
            # Keep the SQLite settings of a real deployment (WAL, busy timeout): point the
            # ordinary SQLite path at the file rather than going through a URL.
            os.environ["GONGHUI_SQLITE_PATH"] = value[len("sqlite:///"):]
            os.environ.pop("DATABASE_URL", None)
        elif value:
            os.environ["DATABASE_URL"] = value


def _usage() -> str:
    from django.core.management import get_commands, load_command_class

    apps = get_commands()  # command → the app that holds it
    lines = ["用法: gonghui COMMAND [options]   (usage)", "", "commands:"]
    for name in COMMANDS:
        help_text = load_command_class(apps[_module(name)], _module(name)).help.splitlines()[0]
        lines.append(f"  {name:<10} {help_text}")
    lines.append(f"  {'manage':<10} Django management commands: gonghui manage migrate, ...")
    lines.append("")
    lines.append("gonghui COMMAND --help shows a command's options.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    _database_url_first(args)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gonghui.settings")
    import django
    from django.core.management import execute_from_command_line

    django.setup()
    if not args or args[0] in {"-h", "--help", "help"}:
        print(_usage())
        return
    if args[0] == "manage":
        execute_from_command_line(["gonghui manage", *args[1:]])
        return
    if args[0] not in COMMANDS:
        print(f"gonghui: 未知命令 {args[0]!r}\n\n{_usage()}", file=sys.stderr)
        sys.exit(2)
    execute_from_command_line(["gonghui", _module(args[0]), *args[1:]])


if __name__ == "__main__":
    main()
