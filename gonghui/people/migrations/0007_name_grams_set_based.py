"""Name grams kept set-based on bulk writes (issue 13): the per-row insert trigger of 0005 made a
member import about nine times slower on SQLite.

PostgreSQL: inserts and deletes fire one statement-level trigger each, which derives the grams
of all the statement's rows from its transition table in one INSERT … SELECT: a COPY of 2,000
people is one statement, and a single-row INSERT is a statement of one row. Renames keep the
row-level trigger (PostgreSQL allows no transition table on an `UPDATE OF name` trigger).

SQLite has no statement-level triggers. Its row triggers stay, with a `WHEN` that lets them
stand aside while `people_namegramdeferral` holds a row: the import engine's bulk path
(`gonghui.core.imports.bulk.BulkUpkeep`, registered in gonghui/people/grams.py) adds that row in
its transaction, inserts a batch, writes the batch's grams in one set-based statement and
removes the row again. SQLite lets one writer at a time, so no other connection's insert can
happen while the row is there.
"""

from django.db import migrations

# As of this migration (gonghui/people/grams.py uses the same two).
POSITIONS = "[" + ",".join(str(i) for i in range(1, 50)) + "]"
DEFERRAL_TABLE = "people_namegramdeferral"

POSTGRES = ["""
DROP TRIGGER IF EXISTS people_person_name_grams ON people_person
""", """
CREATE OR REPLACE FUNCTION people_person_name_grams_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO people_personnamegram (person_id, gram)
    SELECT DISTINCT n.id, lower(substr(n.name, i, 2))
    FROM new_people n, generate_series(1, 49) AS i WHERE i < char_length(n.name);
    RETURN NULL;
END $$
""", """
CREATE OR REPLACE FUNCTION people_person_name_grams_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM people_personnamegram g USING old_people o WHERE g.person_id = o.id;
    RETURN NULL;
END $$
""", """
CREATE TRIGGER people_person_name_grams_ins AFTER INSERT ON people_person
    REFERENCING NEW TABLE AS new_people
    FOR EACH STATEMENT EXECUTE FUNCTION people_person_name_grams_ins()
""", """
CREATE TRIGGER people_person_name_grams_del AFTER DELETE ON people_person
    REFERENCING OLD TABLE AS old_people
    FOR EACH STATEMENT EXECUTE FUNCTION people_person_name_grams_del()
""", """
CREATE TRIGGER people_person_name_grams_upd AFTER UPDATE OF name ON people_person
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION people_person_name_grams()
"""]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS people_person_name_grams_ins ON people_person",
    "DROP TRIGGER IF EXISTS people_person_name_grams_del ON people_person",
    "DROP TRIGGER IF EXISTS people_person_name_grams_upd ON people_person",
    "DROP FUNCTION IF EXISTS people_person_name_grams_ins()",
    "DROP FUNCTION IF EXISTS people_person_name_grams_del()",
    """
CREATE TRIGGER people_person_name_grams
    AFTER INSERT OR DELETE OR UPDATE OF name ON people_person
    FOR EACH ROW EXECUTE FUNCTION people_person_name_grams()
""",
]

GRAMS_OF_NEW = f"""
    INSERT INTO people_personnamegram (person_id, gram)
    SELECT DISTINCT NEW.id, lower(substr(NEW.name, j.value, 2))
    FROM json_each('{POSITIONS}') AS j WHERE j.value < length(NEW.name);
"""
ACTIVE = f"NOT EXISTS (SELECT 1 FROM {DEFERRAL_TABLE})"
SQLITE = [
    f"CREATE TABLE {DEFERRAL_TABLE} (id integer NOT NULL PRIMARY KEY)",
    "DROP TRIGGER IF EXISTS people_person_name_grams_ins",
    f"CREATE TRIGGER people_person_name_grams_ins AFTER INSERT ON people_person "
    f"WHEN {ACTIVE} BEGIN {GRAMS_OF_NEW} END",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS people_person_name_grams_ins",
    f"CREATE TRIGGER people_person_name_grams_ins AFTER INSERT ON people_person "
    f"BEGIN {GRAMS_OF_NEW} END",
    f"DROP TABLE IF EXISTS {DEFERRAL_TABLE}",
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in {"postgresql": POSTGRES, "sqlite": SQLITE}.get(vendor, []):
        schema_editor.execute(statement, params=None)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in {"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE}.get(vendor, []):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('people', '0006_merge_ends_and_name_grams'),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
