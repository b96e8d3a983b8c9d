# The care app's three parts were built side by side, each adding its tables after 0001; this
# joins them so that later migrations have one parent.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("care", "0002_hardship"),
        ("care", "0002_welfare"),
        ("care", "0002_insurance"),
    ]
    operations: list[migrations.operations.base.Operation] = []
