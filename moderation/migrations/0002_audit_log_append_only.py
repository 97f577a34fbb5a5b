"""The audit log is append-only in the database itself: UPDATE and DELETE raise.

Enforced by a trigger, not by the app, so no code path (ORM, admin, a shell, raw SQL from a
bug) can rewrite history. TRUNCATE is left alone: test databases are flushed with it.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION moderation_auditlog_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'moderation_auditlog is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER moderation_auditlog_append_only
    BEFORE UPDATE OR DELETE ON moderation_auditlog
    FOR EACH ROW EXECUTE FUNCTION moderation_auditlog_refuse_change();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS moderation_auditlog_append_only ON moderation_auditlog;
DROP FUNCTION IF EXISTS moderation_auditlog_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("moderation", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
