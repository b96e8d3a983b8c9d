"""The member search's middle-of-a-name match at scale: the character-pair index against a scan.

    .venv/bin/python bench/name_search.py                     # 1,000,000 names, SQLite
    .venv/bin/python bench/name_search.py --database postgresql://root@127.0.0.1:5432/h_x

It builds a scratch table of names (common surnames and given-name characters) with the same
pair table, index and triggers as migration people.0005 (the triggers fill the pairs as the
names are inserted), then times the query `people.records.name_search` makes for a two- and a
three-character middle (杰国, 建国华), against `name LIKE '%…%'`, the scan it replaces.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"
    "许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国文辉力鹏飞宇浩然晨阳欣怡子轩博宁"
QUERIES = ["杰国", "建国华", "王伟"]


def names(count: int, seed: int = 6) -> list[str]:
    rng = random.Random(seed)
    return [
        rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
        for _ in range(count)
    ]


def migration() -> Any:
    from importlib import import_module

    return import_module("gonghui.people.migrations.0005_person_name_grams")


def timed(run: Any, repeat: int = 5) -> tuple[float, int]:
    times, found = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        found = run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), found


def bench_sqlite(count: int) -> None:
    path = Path("/tmp/gonghui-name-search.sqlite3")
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE people_person (id INTEGER PRIMARY KEY, name varchar(50) NOT NULL)")
    db.execute("CREATE INDEX person_name ON people_person (name)")
    db.execute("CREATE TABLE people_personnamegram (id INTEGER PRIMARY KEY, "
               "person_id bigint NOT NULL, gram varchar(2) NOT NULL)")
    db.execute("CREATE INDEX person_name_gram ON people_personnamegram (gram, person_id)")
    for statement in migration().SQLITE[:3]:
        db.execute(statement)
    started = time.perf_counter()
    db.executemany("INSERT INTO people_person (name) VALUES (?)", [(n,) for n in names(count)])
    db.commit()
    print(f"sqlite: {count:,} names inserted with their pairs in "
          f"{time.perf_counter() - started:.1f} s")
    db.execute("ANALYZE")
    for query in QUERIES:
        like = f"%{query}%"
        scan = timed(lambda like=like: len(db.execute(
            "SELECT id FROM people_person WHERE name LIKE ? LIMIT 20", (like,)).fetchall()), 3)
        scan_all = timed(lambda like=like: db.execute(
            "SELECT count(*) FROM people_person WHERE name LIKE ?", (like,)).fetchone()[0], 3)
        grams = sorted({query[i:i + 2] for i in range(len(query) - 1)})
        where = " AND ".join(
            "id IN (SELECT person_id FROM people_personnamegram WHERE gram = ?)" for _ in grams)
        sql = f"SELECT id FROM people_person WHERE {where} AND name LIKE ? LIMIT 20"
        indexed = timed(lambda sql=sql, grams=grams, like=like: len(
            db.execute(sql, [*grams, like]).fetchall()))
        print(f"sqlite {query}: pairs {indexed[0]:.2f} ms ({indexed[1]} rows) | "
              f"LIKE first 20 {scan[0]:.2f} ms | LIKE all ({scan_all[1]} matches) "
              f"{scan_all[0]:.1f} ms")
    db.close()
    path.unlink()


def bench_postgresql(url: str, count: int) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        db.execute("DROP SCHEMA IF EXISTS bench_names CASCADE")
        db.execute("CREATE SCHEMA bench_names")
        db.execute("SET search_path TO bench_names")
        db.execute("CREATE TABLE people_person (id bigserial PRIMARY KEY, "
                   "name varchar(50) NOT NULL)")
        db.execute("CREATE TABLE people_personnamegram (id bigserial PRIMARY KEY, "
                   "person_id bigint NOT NULL, gram varchar(2) NOT NULL)")
        db.execute("CREATE INDEX person_name_gram ON people_personnamegram (gram, person_id)")
        for statement in migration().POSTGRES[:2]:
            db.execute(statement)
        started = time.perf_counter()
        with db.cursor().copy("COPY people_person (name) FROM STDIN") as copy:
            for name in names(count):
                copy.write_row((name,))
        print(f"postgresql: {count:,} names copied with their pairs in "
              f"{time.perf_counter() - started:.1f} s")
        db.execute("ANALYZE")
        for query in QUERIES:
            like = f"%{query}%"
            scan = timed(lambda like=like: len(db.execute(
                "SELECT id FROM people_person WHERE name LIKE %s LIMIT 20", (like,)).fetchall()))
            scan_all = timed(lambda like=like: db.execute(
                "SELECT count(*) FROM people_person WHERE name LIKE %s", (like,)).fetchone()[0])
            grams = sorted({query[i:i + 2] for i in range(len(query) - 1)})
            where = " AND ".join(
                "id IN (SELECT person_id FROM people_personnamegram WHERE gram = %s)"
                for _ in grams)
            sql = f"SELECT id FROM people_person WHERE {where} AND name LIKE %s LIMIT 20"
            indexed = timed(lambda sql=sql, grams=grams, like=like: len(
                db.execute(sql, [*grams, like]).fetchall()))
            print(f"postgresql {query}: pairs {indexed[0]:.2f} ms ({indexed[1]} rows) | "
                  f"LIKE first 20 {scan[0]:.2f} ms | LIKE all ({scan_all[1]} matches) "
                  f"{scan_all[0]:.1f} ms")
        db.execute("DROP SCHEMA bench_names CASCADE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", type=int, default=1_000_000)
    parser.add_argument("--database", default="", help="a PostgreSQL URL (default: SQLite)")
    args = parser.parse_args()
    if args.database:
        bench_postgresql(args.database, args.names)
    else:
        bench_sqlite(args.names)


if __name__ == "__main__":
    main()
