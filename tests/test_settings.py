"""The settings cadres and operators rely on."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection


def test_chinese_first_and_shanghai_time():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert "en" in dict(settings.LANGUAGES)
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True


@pytest.mark.django_db
def test_sqlite_runs_in_wal_with_full_sync():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite pragmas")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        assert cursor.fetchone()[0] == 2  # FULL
        cursor.execute("PRAGMA journal_mode")
        # An in-memory test database reports "memory"; a file database must be in WAL.
        assert cursor.fetchone()[0] in {"wal", "memory"}


@pytest.mark.django_db
def test_sqlite_file_database_is_in_wal(tmp_path):
    import sqlite3

    from django.db.backends.sqlite3.base import DatabaseWrapper

    db = dict(settings.DATABASES["default"])
    if not db["ENGINE"].endswith("sqlite3"):
        pytest.skip("SQLite lane")
    db["NAME"] = str(tmp_path / "wal.sqlite3")
    wrapper = DatabaseWrapper(
        {
            **db,
            "TIME_ZONE": None,
            "CONN_MAX_AGE": 0,
            "CONN_HEALTH_CHECKS": False,
            "AUTOCOMMIT": True,
            "ATOMIC_REQUESTS": False,
        }
    )
    wrapper.ensure_connection()
    wrapper.close()
    raw = sqlite3.connect(db["NAME"])
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_bench_admin_is_off_by_default():
    """The Django admin knows nothing of the org scope: it exists only for bench/pages.py."""
    from django.urls import Resolver404, resolve

    assert settings.GONGHUI_BENCH_ADMIN is False
    assert "django.contrib.admin" not in settings.INSTALLED_APPS
    with pytest.raises(Resolver404):
        resolve("/bench-admin/people/membership/")


def test_reads_go_to_the_replica_only_inside_replica_reads_and_only_when_configured(monkeypatch):
    from gonghui.core.ops.dbrouter import ReplicaRouter, replica_reads
    from gonghui.people.models import Membership

    router = ReplicaRouter()
    assert "replica" not in settings.DATABASES  # off by default
    with replica_reads():
        assert router.db_for_read(Membership) is None
    monkeypatch.setitem(settings.DATABASES, "replica", dict(settings.DATABASES["default"]))
    assert router.db_for_read(Membership) is None
    with replica_reads():
        assert router.db_for_read(Membership) == "replica"
        assert router.db_for_write(Membership) == "default"
    assert router.db_for_read(Membership) is None
    assert router.allow_migrate("replica", "people") is False
