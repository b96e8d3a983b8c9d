"""Benchmark databases: one generated province per (database, members, seed), kept for reuse.

Generating 1,000,000 members takes minutes, so both benchmarks share the databases they make:
SQLite files under var/bench/, PostgreSQL databases named `<prefix><members>` (default
`gonghui_bench_1000000`). `--fresh` throws one away and generates it again.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = os.environ.get("BENCH_PG_URL", "postgresql://root@127.0.0.1:5432")
DEFAULT_PREFIX = os.environ.get("BENCH_PG_PREFIX", "gonghui_bench_")
GONGHUI = [sys.executable, "-m", "gonghui.cli"]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def pg_admin(server: str) -> object:
    import psycopg

    return psycopg.connect(f"{server}/postgres", autocommit=True)


def database_env(vendor: str, members: int, seed: int, *, server: str = DEFAULT_PG,
                 prefix: str = DEFAULT_PREFIX, fresh: bool = False) -> dict[str, str]:
    """The environment that points Gonghui at the benchmark database, generating it if needed."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "GONGHUI_SQLITE_PATH"}}
    env["GONGHUI_ENV"] = "demo"
    if vendor == "sqlite":
        folder = ROOT / "var" / "bench"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"members-{members}-seed{seed}.sqlite3"
        env["GONGHUI_SQLITE_PATH"] = str(path)
        exists = path.exists()
        if exists and fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            exists = False
    else:
        name = f"{prefix}{members}" + ("" if seed == 2018 else f"_s{seed}")
        env["DATABASE_URL"] = f"{server}/{name}"
        with pg_admin(server) as admin:  # type: ignore[attr-defined]
            exists = admin.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [name]
            ).fetchone() is not None
            if exists and fresh:
                admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
                exists = False
            if not exists:
                admin.execute(f'CREATE DATABASE "{name}"')
    if not exists:
        log(f"生成测试数据：{vendor}，{members} 名会员（只在第一次运行时生成，之后复用）")
        started = time.perf_counter()
        subprocess.run([*GONGHUI, "gen-data", "--members", str(members), "--seed", str(seed)],
                       env=env, cwd=ROOT, check=True, stdout=sys.stderr)
        log(f"  用时 {time.perf_counter() - started:.0f} 秒")
    else:
        # Apply any migration (e.g. an index) added since the database was generated.
        subprocess.run([*GONGHUI, "manage", "migrate", "--verbosity", "0"], env=env, cwd=ROOT,
                       check=True)
    return env
