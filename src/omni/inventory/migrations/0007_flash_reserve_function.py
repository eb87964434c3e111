"""`inventory_flash_reserve(...)` on PostgreSQL: one flash-sale reservation in one round
trip (issue 16).

What `services.flash.reserve_flash` does in Python, as one server-side call. Whether the
customer is in the actor's scope comes in as an argument (the caller's scope rule as an
EXISTS subquery, or `true` for a scope that reaches every customer); not in scope, or no
such customer: `unknown_customer`. The customer's organisation and the sale are read
fresh: no sale, or a sale not for the customer's organisation subtree: `not_found`;
outside its window at `p_now`: `not_started` / `ended`. Then the writes, the hot row last:
(1) the customer's claim row, a guarded upsert (``INSERT … ON CONFLICT (sale, customer)
DO UPDATE … WHERE quantity + q <= limit``; refused: `limit_reached`, nothing written);
(2) the reservation row; (3) the pool: the guarded update of the customer's bucket
(`customer % buckets`), then of the next ones, then (several units, no bucket holding them
all) gathered over the buckets in index order. Nothing left: SQLSTATE FS409 (`sold_out`),
and the whole statement is rolled back with the claim and the reservation. Every other
refusal is returned before anything is written.

When the call is the whole transaction (`p_alone`: an autocommitted statement) the new
rows' deferred foreign-key checks run before the pool update rather than at commit, so the
pool row's lock covers only its own update and the commit, as in a bare conditional
update. SQLite keeps the Python path; both leave the same rows (`test_flash_function.py`).
"""

from django.db import migrations

SIGNATURE = (
    "inventory_flash_reserve(bigint, bigint, boolean, bigint, timestamptz, timestamptz, boolean)"
)
SOLD_OUT_SQLSTATE = "FS409"

CREATE = r"""
CREATE OR REPLACE FUNCTION inventory_flash_reserve(
    p_sale bigint, p_customer bigint, p_in_scope boolean, p_quantity bigint,
    p_now timestamptz, p_created timestamptz, p_alone boolean
) RETURNS TABLE (outcome text, reservation_id bigint, parts jsonb, at timestamptz,
                 amount bigint)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_sale record;
    v_path text;
    v_first integer;
    v_index integer;
    v_id bigint;
    v_parts jsonb;
    v_expires timestamptz;
    v_left bigint;
    v_part bigint;
    v_bucket record;
    i integer;
BEGIN
    IF p_in_scope THEN
        SELECT o.path INTO v_path
          FROM @CUSTOMER@ c JOIN @ORG@ o ON o.id = c.@CUSTOMER_ORG@
         WHERE c.id = p_customer;
    END IF;
    IF v_path IS NULL THEN
        RETURN QUERY SELECT 'unknown_customer'::text, NULL::bigint, NULL::jsonb,
            NULL::timestamptz, NULL::bigint;
        RETURN;
    END IF;
    SELECT s.starts_at, s.ends_at, s.per_customer_limit, s.pay_within_seconds, s.buckets,
           o.path
      INTO v_sale
      FROM @SALE@ s JOIN @ORG@ o ON o.id = s.org_id
     WHERE s.id = p_sale;
    IF NOT FOUND OR NOT starts_with(v_path, v_sale.path) THEN
        -- a sale is for the customers of its organisation's subtree
        RETURN QUERY SELECT 'not_found'::text, NULL::bigint, NULL::jsonb,
            NULL::timestamptz, NULL::bigint;
        RETURN;
    END IF;
    IF p_now < v_sale.starts_at THEN
        RETURN QUERY SELECT 'not_started'::text, NULL::bigint, NULL::jsonb,
            v_sale.starts_at, NULL::bigint;
        RETURN;
    END IF;
    IF p_now >= v_sale.ends_at THEN
        RETURN QUERY SELECT 'ended'::text, NULL::bigint, NULL::jsonb, v_sale.ends_at,
            NULL::bigint;
        RETURN;
    END IF;
    -- (1) the claim: one guarded row per customer, whatever bucket serves it
    IF p_quantity > v_sale.per_customer_limit THEN
        RETURN QUERY SELECT 'limit_reached'::text, NULL::bigint, NULL::jsonb,
            NULL::timestamptz, v_sale.per_customer_limit;
        RETURN;
    END IF;
    INSERT INTO @CLAIM@ AS c (sale_id, customer_id, quantity)
    VALUES (p_sale, p_customer, p_quantity)
    ON CONFLICT ON CONSTRAINT inventory_flash_claim_one DO UPDATE
       SET quantity = c.quantity + EXCLUDED.quantity
     WHERE c.quantity + EXCLUDED.quantity <= v_sale.per_customer_limit;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'limit_reached'::text, NULL::bigint, NULL::jsonb,
            NULL::timestamptz, v_sale.per_customer_limit;
        RETURN;
    END IF;
    -- (2) the reservation row, before the pool: the hot row's lock is then held only from
    -- its update to the end of the statement, as in a bare conditional update
    v_first := (p_customer % v_sale.buckets)::integer;
    v_expires := p_now + make_interval(secs => v_sale.pay_within_seconds);
    v_parts := jsonb_build_object(v_first::text, p_quantity);
    INSERT INTO @RES@ (sale_id, customer_id, parts, quantity, status, expires_at,
            created_at, paid_at)
    VALUES (p_sale, p_customer, v_parts, p_quantity, 'reserved', v_expires, p_created, NULL)
    RETURNING id INTO v_id;
    IF p_alone THEN
        -- the statement is the whole transaction: check the new rows' foreign keys now
        -- (deferred, they would run at commit: a key-share lock on the sale row, shared by
        -- every buyer, taken while the pool row is locked)
        SET CONSTRAINTS ALL IMMEDIATE;
    END IF;
    -- (3) the pool: the customer's bucket, then the next ones, then gathered
    FOR i IN 0 .. v_sale.buckets - 1 LOOP
        v_index := (v_first + i) % v_sale.buckets;
        UPDATE @BUCKET@ SET remaining = remaining - p_quantity
         WHERE sale_id = p_sale AND "index" = v_index AND remaining >= p_quantity;
        IF FOUND THEN
            IF i > 0 THEN
                v_parts := jsonb_build_object(v_index::text, p_quantity);
                UPDATE @RES@ SET parts = v_parts WHERE id = v_id;
            END IF;
            RETURN QUERY SELECT 'reserved'::text, v_id, v_parts, v_expires, NULL::bigint;
            RETURN;
        END IF;
    END LOOP;
    IF p_quantity > 1 THEN  -- several units, no bucket has them all: gather them
        v_left := p_quantity;
        v_parts := '{}'::jsonb;
        FOR v_bucket IN
            SELECT b."index", b.remaining FROM @BUCKET@ b
             WHERE b.sale_id = p_sale ORDER BY b."index"
        LOOP
            v_part := least(v_bucket.remaining, v_left);
            CONTINUE WHEN v_part <= 0;
            UPDATE @BUCKET@ SET remaining = remaining - v_part
             WHERE sale_id = p_sale AND "index" = v_bucket."index" AND remaining >= v_part;
            IF FOUND THEN
                v_parts := v_parts || jsonb_build_object(v_bucket."index"::text, v_part);
                v_left := v_left - v_part;
            END IF;
            IF v_left = 0 THEN
                UPDATE @RES@ SET parts = v_parts WHERE id = v_id;
                RETURN QUERY SELECT 'reserved'::text, v_id, v_parts, v_expires,
                    NULL::bigint;
                RETURN;
            END IF;
        END LOOP;
    END IF;
    RAISE EXCEPTION 'sold_out' USING ERRCODE = '@SOLD_OUT@', DETAIL = p_sale::text;
END
$$
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    customer = apps.get_model("party", "Customer")
    tables = {
        "@CUSTOMER@": customer._meta.db_table,
        "@CUSTOMER_ORG@": customer._meta.get_field("org").column,
        "@SALE@": apps.get_model("inventory", "FlashSale")._meta.db_table,
        "@BUCKET@": apps.get_model("inventory", "FlashBucket")._meta.db_table,
        "@CLAIM@": apps.get_model("inventory", "FlashClaim")._meta.db_table,
        "@RES@": apps.get_model("inventory", "FlashReservation")._meta.db_table,
        "@ORG@": apps.get_model("tenancy", "Organization")._meta.db_table,
        "@SOLD_OUT@": SOLD_OUT_SQLSTATE,
    }
    sql = CREATE
    for token, name in tables.items():
        sql = sql.replace(token, name)
    with schema_editor.connection.cursor() as cur:
        cur.execute(sql)  # no parameters: the % in the body stay as they are


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cur:
            cur.execute(f"DROP FUNCTION IF EXISTS {SIGNATURE}")


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0006_stock_counts"),
        ("tenancy", "0001_initial"),
        ("party", "0004_move_to_tenancy"),
    ]

    operations = [migrations.RunPython(create, drop)]
