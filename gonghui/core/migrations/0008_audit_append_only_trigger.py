"""The audit table is append-only at the database too (security.md row 15), on PostgreSQL.

A row trigger refuses every UPDATE and every DELETE of `core_auditentry`, whoever issues it,
except a DELETE made by the retention command (`gonghui audit-prune`): it sets the transaction
setting `gonghui.retention` to `on`, and even then only rows older than 180 days may go. The ORM
refuses both already (core.models.AuditQuerySet); this stops raw SQL, a shell and a bug alike.
TRUNCATE is not a row operation: the application's database role must not hold it (see
docs/security.md, "Database role grants"). SQLite has no such triggers here: a no-op.
"""

from django.db import migrations

RETENTION_DAYS = 180

# `%%`: the statement goes through the driver's parameter formatting, which turns it into the
# `%` that RAISE fills with the operation's name.
CREATE = f"""
CREATE OR REPLACE FUNCTION gonghui_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND current_setting('gonghui.retention', true) = 'on'
       AND OLD.at < now() - interval '{RETENTION_DAYS} days' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '审计日志只能追加，不能修改或删除（%%）', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS gonghui_audit_append_only ON core_auditentry;
CREATE TRIGGER gonghui_audit_append_only
    BEFORE UPDATE OR DELETE ON core_auditentry
    FOR EACH ROW EXECUTE FUNCTION gonghui_audit_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS gonghui_audit_append_only ON core_auditentry;
DROP FUNCTION IF EXISTS gonghui_audit_append_only();
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0007_sitemarker_security_actions"),
    ]

    operations = [migrations.RunPython(install, remove)]
