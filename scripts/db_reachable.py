"""Exit 0 when the PostgreSQL at the given URL accepts a connection, 1 otherwise."""

import sys

import psycopg

try:
    with psycopg.connect(sys.argv[1], connect_timeout=3) as conn:
        conn.execute("SELECT 1")
except psycopg.Error as exc:
    print(f"cannot connect: {exc}".strip(), file=sys.stderr)
    sys.exit(1)
