--
-- Hostile receipts: random bytes, every truncation, extensions, another model's receipt,
-- one input or output changed.  Each is false or an error with a specific SQLSTATE, never
-- true and never a crash.  Outcomes are counted per kind of damage.
--
SET search_path = public, zkml;   -- the extension's objects are in schema zkml
\set lr20 `cat tests/fixtures/lr20.q.json`
\set mlp20 `cat tests/fixtures/mlp20.q.json`
SELECT version FROM zkml_register_model('h_lr20', :'lr20');
SELECT version FROM zkml_register_model('h_mlp20', :'mlp20');

-- 'valid', 'invalid' or 'error <SQLSTATE>' for a receipt checked against a descriptor
CREATE FUNCTION hostile_outcome(r bytea, pub bytea) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    RETURN CASE WHEN zkml_verify(r, pub) THEN 'valid' ELSE 'invalid' END;
EXCEPTION WHEN OTHERS THEN
    RETURN 'error ' || SQLSTATE;
END $$;

CREATE TABLE h_rows (n int, x float8[]);
\copy h_rows(x) FROM PROGRAM 'tail -n +2 tests/fixtures/lr20.rows.csv | sed -e "s/^/{/" -e "s/$/}/"'
CREATE TABLE h_good AS
SELECT zkml_prove('h_lr20', (SELECT x FROM h_rows LIMIT 1), 'ctx') AS r,
       zkml_model_public('h_lr20') AS pub,
       zkml_model_public('h_mlp20') AS other_pub;
SELECT hostile_outcome(r, pub) AS honest FROM h_good;

-- 300 random byte strings of 0 to 4,000 bytes, and 300 more behind a receipt's magic and
-- this model's digest, so that the decoder's later checks are reached
SELECT setseed(0.25);
CREATE TABLE h_random AS
SELECT i, decode(string_agg(lpad(to_hex((random() * 255)::int), 2, '0'), ''), 'hex') AS junk
FROM generate_series(1, 300) i,
     LATERAL generate_series(1, (random() * 4000)::int + i - i) k
GROUP BY i;
SELECT hostile_outcome(junk, pub) AS outcome, count(*)
FROM h_random, h_good GROUP BY 1 ORDER BY 1;
SELECT hostile_outcome(substr(r, 1, 40) || junk, pub) AS outcome, count(*)
FROM h_random, h_good GROUP BY 1 ORDER BY 1;
-- the honest header with the rest random: every length field is plausible
SELECT hostile_outcome(substr(r, 1, 56) || junk, pub) AS outcome, count(*)
FROM h_random, h_good GROUP BY 1 ORDER BY 1;

-- the honest receipt with its proof (from byte 155: after the output and the proof length)
-- replaced by random bytes of the same length, and with one random byte anywhere changed.
-- Whether a damaged proof fails to decode (a byte past the field's modulus) or to verify
-- depends on the proof's own random bytes, so only "rejected, as invalid or 22P03" is
-- stable.
SELECT count(*) AS random_proofs,
       count(*) FILTER (WHERE o IN ('invalid', 'error 22P03')) AS rejected
FROM (SELECT hostile_outcome(substr(r, 1, 155) || (
          SELECT decode(string_agg(lpad(to_hex((random() * 255)::int), 2, '0'), ''), 'hex')
          FROM generate_series(1, length(r) - 155 + i - i)), pub) AS o
      FROM h_good, generate_series(1, 50) i) t;
SELECT count(*) AS one_byte_changed,
       count(*) FILTER (WHERE o IN ('invalid', 'error 22P03')) AS rejected
FROM (SELECT hostile_outcome(set_byte(r, pos, get_byte(r, pos) # (1 + (random() * 254)::int)),
                             pub) AS o
      FROM h_good, LATERAL (SELECT (random() * (length(r) - 1))::int + i - i AS pos
                            FROM generate_series(1, 300) i) p) t;

-- every truncation of the honest receipt, and extensions by 1, 8 and 1000 bytes
SELECT hostile_outcome(substr(r, 1, len), pub) AS truncated, count(*)
FROM h_good, generate_series(0, length(r) - 1) len GROUP BY 1 ORDER BY 1;
SELECT hostile_outcome(r || decode(repeat('00', extra), 'hex'), pub) AS extended, count(*)
FROM h_good, unnest(ARRAY[1, 8, 1000]) extra GROUP BY 1 ORDER BY 1;

-- the readers of a receipt on the same damage: rows or info, or 22P03, never a crash
CREATE FUNCTION hostile_read(r bytea, pub bytea) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    n int;
BEGIN
    PERFORM zkml_receipt_info(r);
    SELECT count(*) INTO n FROM zkml_receipt_rows(r, pub);
    RETURN 'read';
EXCEPTION WHEN OTHERS THEN
    RETURN 'error ' || SQLSTATE;
END $$;
SELECT hostile_read(junk, pub) AS random_bytes, count(*)
FROM h_random, h_good GROUP BY 1 ORDER BY 1;
SELECT hostile_read(substr(r, 1, 56) || junk, pub) AS behind_a_header, count(*)
FROM h_random, h_good GROUP BY 1 ORDER BY 1;
SELECT hostile_read(substr(r, 1, len), pub) AS truncated, count(*)
FROM h_good, generate_series(0, length(r) - 1) len GROUP BY 1 ORDER BY 1;

-- another model's descriptor, and a receipt of another model against this one
SELECT hostile_outcome(r, other_pub) AS other_descriptor FROM h_good;
SELECT hostile_outcome(zkml_prove('h_mlp20', (SELECT x FROM h_rows LIMIT 1)), pub)
    AS other_models_receipt FROM h_good;

-- one input (each of the 20) or the output changed by one: layout in receipt.h; the
-- one-row receipt has a 3-byte context and an empty key, so inputs start at byte 63
SELECT hostile_outcome(set_byte(r, 63 + 4 * k, get_byte(r, 63 + 4 * k) # 1), pub)
    AS input_changed, count(*)
FROM h_good, generate_series(0, 19) k GROUP BY 1 ORDER BY 1;
SELECT hostile_outcome(set_byte(r, 63 + 80, get_byte(r, 63 + 80) # 1), pub) AS output_changed,
       (zkml_verify_detail(set_byte(r, 63 + 80, get_byte(r, 63 + 80) # 1), pub)).detail
FROM h_good;
-- the change is where the layout says: the rows read back differ only there
SELECT (SELECT features FROM zkml_receipt_rows(r, pub)) AS honest_features,
       (SELECT features FROM zkml_receipt_rows(set_byte(r, 63, get_byte(r, 63) # 1), pub))
           AS changed_features
FROM h_good;

DROP TABLE h_rows, h_good, h_random;
DROP FUNCTION hostile_outcome(bytea, bytea), hostile_read(bytea, bytea);
SELECT zkml_drop_model('h_lr20'), zkml_drop_model('h_mlp20');
