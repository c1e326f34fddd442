"""The audit trail is append-only: on PostgreSQL a trigger refuses UPDATE and DELETE.

On SQLite there is no trigger; no code path updates or deletes audit events (the admin has no
change or delete permission for them).
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION baucu_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_append_only ON common_auditevent;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON common_auditevent
    FOR EACH ROW EXECUTE FUNCTION baucu_audit_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_append_only ON common_auditevent;
DROP FUNCTION IF EXISTS baucu_audit_append_only();
"""


def forwards(apps, schema_editor):  # noqa: ANN001, ANN201
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):  # noqa: ANN001, ANN201
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("common", "0002_audit_history_fks")]
    operations = [migrations.RunPython(forwards, backwards)]
