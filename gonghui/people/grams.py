"""Upkeep of the name grams (`PersonNameGram`) on SQLite's bulk path.

Triggers keep the grams true for every writer (migrations 0005 and 0007). On SQLite they are
row triggers; an import's batch of thousands of people instead defers them and writes the
batch's grams in one statement (`gonghui.core.imports.bulk.BulkUpkeep`): the same rows, a
fraction of the time. The SQL here is the triggers' own derivation, over the batch's keys.
"""

from __future__ import annotations

from gonghui.core.imports.bulk import BulkUpkeep, register_bulk_upkeep

# Positions 1..49 of a name (max_length 50): SQLite's series is json_each over this list.
POSITIONS = "[" + ",".join(str(i) for i in range(1, 50)) + "]"
# While it holds a row, SQLite's insert trigger stands aside (migration 0007).
DEFERRAL_TABLE = "people_namegramdeferral"

UPKEEP = BulkUpkeep(
    defer=f"INSERT INTO {DEFERRAL_TABLE} (id) VALUES (1)",
    catch_up=(
        "INSERT INTO people_personnamegram (person_id, gram) "
        "SELECT DISTINCT p.id, lower(substr(p.name, j.value, 2)) "
        "FROM people_person p, json_each(?) AS k, "
        f"json_each('{POSITIONS}') AS j "
        "WHERE p.id = k.value AND j.value < length(p.name) "
        # In the index's order: the batch's pairs then fill the (gram, person) index a run
        # of neighbouring pages at a time instead of one random page per pair (measured: the
        # upkeep a third faster).
        "ORDER BY 2, 1"
    ),
    resume=f"DELETE FROM {DEFERRAL_TABLE}",
)


def register() -> None:
    from gonghui.people.models import Person

    register_bulk_upkeep(Person, UPKEEP)
