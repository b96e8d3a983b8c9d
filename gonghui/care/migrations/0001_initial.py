# The care app's first migration: empty, so that its three parts (hardship, welfare, insurance)
# each add their tables in a migration of their own that depends on it.
from django.db import migrations


class Migration(migrations.Migration):
    initial = True
    dependencies: list[tuple[str, str]] = []
    operations: list[migrations.operations.base.Operation] = []
