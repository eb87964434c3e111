"""`ledger_post(...)` on PostgreSQL: one journal entry in one round trip (issue 14).

What `services.posting.post_lines` does in Python, as one server-side call, with the same
guard: check the accounts the caller knows (a per-process cache of what never changes:
organisation, customer, type, currency, unit, may-go-negative, buckets) against the rows,
and (when asked) that money may move on them now (read fresh, never cached); write the entry
(idempotency key and "reversed once" by the unique constraints, ON CONFLICT DO NOTHING),
its audit row, then, line by line in the caller's lock order, the guarded conditional
update of the balance row and its posting. A refused guard raises SQLSTATE LE409 (the
caller maps it to insufficient_funds; the transaction is rolled back as with any refusal).
Every other outcome is returned before anything is written. SQLite keeps the Python path.
"""

from django.db import migrations

SIGNATURE = (
    "ledger_post(bigint, text, text, text, text, date, text, bigint, text, bigint, text, text,"
    " timestamptz, text, jsonb, boolean, bigint[], bigint[], boolean[], boolean[], integer[],"
    " text[], text[])"
)

CREATE = r"""
CREATE OR REPLACE FUNCTION ledger_post(
    p_org bigint, p_kind text, p_memo text, p_source_type text, p_source_id text,
    p_day date, p_key text, p_reverses bigint, p_actor_kind text, p_actor_id bigint,
    p_actor_name text, p_request_id text, p_at timestamptz, p_action text, p_after jsonb,
    p_check_status boolean,
    p_accounts bigint[], p_amounts bigint[], p_guarded boolean[], p_keep boolean[],
    p_buckets integer[], p_currencies text[], p_known text[]
) RETURNS TABLE (outcome text, entry_id bigint, account_id bigint, balances bigint[])
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_entry bigint;
    v_after bigint;
    v_bal bigint[] := '{}';
    v_bad record;
    i integer;
BEGIN
    -- the accounts as the caller knows them (a stale or unknown one first), then, when
    -- asked, may money move on them now (read fresh), in account order; nothing written
    SELECT x.id,
           a.id IS NULL OR x.known IS DISTINCT FROM concat_ws('|', a.org_id::text,
               coalesce(a.customer_id::text, ''), t.code, a.currency, t.places::text,
               CASE WHEN t.may_go_negative THEN '1' ELSE '0' END, t.buckets::text) AS stale,
           a.status <> 'active' AS account_frozen
      INTO v_bad
      FROM unnest(p_accounts, p_known) AS x(id, known)
      LEFT JOIN ledger_account a ON a.id = x.id
      LEFT JOIN ledger_accounttype t ON t.id = a.type_id
      LEFT JOIN party_customer c ON c.id = a.customer_id
     WHERE a.id IS NULL
        OR x.known IS DISTINCT FROM concat_ws('|', a.org_id::text,
               coalesce(a.customer_id::text, ''), t.code, a.currency, t.places::text,
               CASE WHEN t.may_go_negative THEN '1' ELSE '0' END, t.buckets::text)
        OR (p_check_status AND (a.status <> 'active' OR c.status IN ('frozen', 'exited')))
     ORDER BY 2 DESC, x.id LIMIT 1;
    IF FOUND THEN
        RETURN QUERY SELECT
            CASE WHEN v_bad.stale THEN 'stale'
                 WHEN v_bad.account_frozen THEN 'account_frozen'
                 ELSE 'customer_frozen' END,
            NULL::bigint, v_bad.id::bigint, NULL::bigint[];
        RETURN;
    END IF;
    INSERT INTO ledger_journalentry (org_id, kind, memo, source_type, source_id,
            business_date, key, reverses_id, actor_kind, actor_id, actor_name, request_id,
            created_at)
    VALUES (p_org, p_kind, p_memo, p_source_type, p_source_id, p_day, p_key, p_reverses,
            p_actor_kind, p_actor_id, p_actor_name, p_request_id, p_at)
    ON CONFLICT DO NOTHING
    RETURNING id INTO v_entry;
    IF v_entry IS NULL THEN  -- the key was posted before (or by a twin that committed first)
        IF p_key IS NOT NULL THEN
            SELECT e.id INTO v_entry FROM ledger_journalentry e WHERE e.key = p_key;
            IF v_entry IS NOT NULL THEN
                RETURN QUERY SELECT 'repeat'::text, v_entry, NULL::bigint, NULL::bigint[];
                RETURN;
            END IF;
        END IF;
        RETURN QUERY SELECT 'already_reversed'::text, NULL::bigint, NULL::bigint,
            NULL::bigint[];
        RETURN;
    END IF;
    INSERT INTO kernel_auditentry (actor_kind, actor_id, actor_name, action, object_type,
            object_id, org_id, before, after, at, request_id)
    VALUES (p_actor_kind, p_actor_id, p_actor_name, p_action, 'ledger.journalentry',
            v_entry::text, p_org, NULL, p_after, p_at, p_request_id);
    FOR i IN 1 .. cardinality(p_accounts) LOOP
        UPDATE ledger_balance b SET balance = b.balance + p_amounts[i]
         WHERE b.account_id = p_accounts[i]
           AND b.bucket = CASE WHEN p_buckets[i] > 1 THEN v_entry % p_buckets[i] ELSE 0 END
           AND (NOT p_guarded[i] OR p_amounts[i] >= 0
                OR b.balance - b.frozen + p_amounts[i] >= 0)
        RETURNING b.balance INTO v_after;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'ledger guard refused account %', p_accounts[i]
                USING ERRCODE = 'LE409', DETAIL = p_accounts[i]::text;
        END IF;
        INSERT INTO ledger_posting (entry_id, account_id, currency, amount, balance_after,
                business_date)
        VALUES (v_entry, p_accounts[i], p_currencies[i], p_amounts[i],
                CASE WHEN p_keep[i] THEN v_after END, p_day);
        v_bal := v_bal || CASE WHEN p_keep[i] THEN v_after END;
    END LOOP;
    RETURN QUERY SELECT 'posted'::text, v_entry, NULL::bigint, v_bal;
END
$$
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cur:
            cur.execute(CREATE)  # no parameters: the % in the body stay as they are


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cur:
            cur.execute(f"DROP FUNCTION IF EXISTS {SIGNATURE}")


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0004_interestpolicy"),
        ("kernel", "0004_businessclock"),
        ("party", "0004_move_to_tenancy"),
    ]

    operations = [migrations.RunPython(create, drop)]
