"""The ledger's guarantees in the database itself, whatever code writes to it.

- A deferred constraint trigger checks at commit that each journal entry touched in the
  transaction sums to zero per currency (and has at least two lines).
- Posted journal entries and lines refuse UPDATE and DELETE: a mistake is corrected by a
  reversing entry. (TRUNCATE, used only by test teardown, is not a row operation.)
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION payments_entry_balanced() RETURNS trigger AS $$
DECLARE
    bad RECORD;
    line_count integer;
BEGIN
    SELECT count(*) INTO line_count FROM payments_journalline WHERE entry_id = NEW.entry_id;
    IF line_count < 2 THEN
        RAISE EXCEPTION 'journal entry % has % line(s); an entry needs at least two',
            NEW.entry_id, line_count USING ERRCODE = 'check_violation';
    END IF;
    SELECT currency, sum(amount_cents) AS total INTO bad
      FROM payments_journalline WHERE entry_id = NEW.entry_id
     GROUP BY currency HAVING sum(amount_cents) <> 0 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'journal entry % does not balance: % %', NEW.entry_id, bad.total,
            bad.currency USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER payments_journalline_balanced
    AFTER INSERT ON payments_journalline
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION payments_entry_balanced();

CREATE FUNCTION payments_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only: % on % refused (post a reversing entry)',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER payments_journalline_append_only
    BEFORE UPDATE OR DELETE ON payments_journalline
    FOR EACH ROW EXECUTE FUNCTION payments_ledger_append_only();

CREATE TRIGGER payments_journalentry_append_only
    BEFORE UPDATE OR DELETE ON payments_journalentry
    FOR EACH ROW EXECUTE FUNCTION payments_ledger_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS payments_journalentry_append_only ON payments_journalentry;
DROP TRIGGER IF EXISTS payments_journalline_append_only ON payments_journalline;
DROP FUNCTION IF EXISTS payments_ledger_append_only();
DROP TRIGGER IF EXISTS payments_journalline_balanced ON payments_journalline;
DROP FUNCTION IF EXISTS payments_entry_balanced();
"""


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
