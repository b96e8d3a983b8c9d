"""Back up and restore the whole database: the logic behind `gonghui backup` and `gonghui restore`.

SQLite is copied with its online backup API, page by page under SQLite's own locks, so a backup
taken while the server writes is a consistent snapshot (a plain file copy of a WAL database is
not). PostgreSQL is dumped with `pg_dump --format=custom` and restored with `pg_restore --clean`.
The connection parameters reach the client tools through the PG* environment variables, never
the command line, where any user of the machine could read the password in the process list.

The engine that made a backup is known from the file itself (an SQLite database begins with
"SQLite format 3", a custom-format dump with "PGDMP"), and a small JSON file beside it
(`PATH.json`) records the engine, time, size and SHA-256 for the operator and for restore to check.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, connections

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
ENGINE_LABELS = {SQLITE: "SQLite", POSTGRESQL: "PostgreSQL"}
MAGIC = {SQLITE: b"SQLite format 3\x00", POSTGRESQL: b"PGDMP"}


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message is for the operator, in Chinese."""


@dataclass
class BackupInfo:
    path: Path
    engine: str
    size: int
    sha256: str


def current_engine() -> str:
    engine = str(settings.DATABASES["default"]["ENGINE"])
    if engine.endswith("sqlite3"):
        return SQLITE
    if engine.endswith("postgresql"):
        return POSTGRESQL
    raise BackupError(f"不支持备份该数据库引擎：{engine}")


def sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def file_engine(path: Path) -> str:
    """Which engine made the backup at `path`, read from the file's first bytes."""
    with path.open("rb") as handle:
        head = handle.read(16)
    for engine, magic in MAGIC.items():
        if head.startswith(magic):
            return engine
    raise BackupError(
        f"{path} 不是 Gonghui 的备份文件（既不是 SQLite 数据库，也不是 pg_dump 备份）。"
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pg_environment() -> dict[str, str]:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    for key, var in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        value = db.get(key)
        if value:
            env[var] = str(value)
        else:
            env.pop(var, None)
    options: Any = db.get("OPTIONS") or {}
    sslmode = options.get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    return env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"找不到 {name}：请安装 PostgreSQL 客户端工具（postgresql-client）。")
    return found


def _run(args: list[str]) -> None:
    result = subprocess.run(args, env=_pg_environment(), capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} 失败：{result.stderr.strip()}")


def backup(path: Path) -> BackupInfo:
    """Write a consistent copy of the whole database to `path` (and `path.json` beside it)."""
    engine = current_engine()
    path = path.resolve()
    if path.exists() or sidecar(path).exists():
        raise BackupError(f"{path} 已存在：备份不会覆盖已有文件，请换一个文件名。")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.unlink(missing_ok=True)
    try:
        if engine == SQLITE:
            connection.ensure_connection()
            target = sqlite3.connect(partial)
            try:
                # Online backup: SQLite copies the pages under its own locks, so writers may
                # carry on and the copy is one consistent moment of the database.
                connection.connection.backup(target)
            finally:
                target.close()
        else:
            _run([_tool("pg_dump"), "--format=custom", "--no-password", f"--file={partial}"])
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    info = BackupInfo(path=path, engine=engine, size=path.stat().st_size, sha256=_sha256(path))
    sidecar(path).write_text(
        json.dumps(
            {
                "format": "gonghui-backup",
                "version": 1,
                "engine": engine,
                "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                "database": str(settings.DATABASES["default"]["NAME"]),
                "size": info.size,
                "sha256": info.sha256,
            },
            ensure_ascii=False,
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    return info


def check(path: Path) -> BackupInfo:
    """Refuse a backup that is missing, damaged or made by the other engine."""
    path = path.resolve()
    if not path.is_file():
        raise BackupError(f"找不到备份文件 {path}。")
    engine = current_engine()
    made_by = file_engine(path)
    if made_by != engine:
        raise BackupError(
            f"该备份由 {ENGINE_LABELS[made_by]} 生成，当前数据库是 {ENGINE_LABELS[engine]}："
            "不同数据库引擎的备份不能互相恢复。"
        )
    sha256 = _sha256(path)
    meta_path = sidecar(path)
    if meta_path.exists():
        meta: dict[str, Any] = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("engine") not in (None, engine):
            raise BackupError(f"备份说明文件 {meta_path.name} 记录的数据库引擎与备份文件不符。")
        if meta.get("sha256") not in (None, sha256):
            raise BackupError(
                f"备份文件 {path.name} 的校验值与 {meta_path.name} 不符：文件已损坏或被改动。"
            )
    if engine == SQLITE:
        source = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            verdict = source.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError as error:
            raise BackupError(f"备份文件 {path.name} 已损坏：{error}") from error
        finally:
            source.close()
        if verdict != "ok":
            raise BackupError(f"备份文件 {path.name} 已损坏：{verdict}")
    return BackupInfo(path=path, engine=engine, size=path.stat().st_size, sha256=sha256)


def restore(path: Path) -> BackupInfo:
    """Replace the whole database with the backup at `path` (after `check`)."""
    info = check(path)
    # Let go of every connection this process holds: nothing may sit in a transaction on the
    # tables being replaced.
    connections.close_all()
    if info.engine == SQLITE:
        source = sqlite3.connect(f"{info.path.as_uri()}?mode=ro", uri=True)
        try:
            connection.ensure_connection()
            # The same online API in the other direction: page by page into the live database,
            # under its locks, so other processes see the old database or the new, never a mix.
            source.backup(connection.connection)
        finally:
            source.close()
            connections.close_all()
    else:
        # `postgresql://` with nothing after it: every connection parameter from PG* variables.
        _run(
            [
                _tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-password",
                "--single-transaction",
                "--dbname=postgresql://",
                str(info.path),
            ]
        )
    return info
