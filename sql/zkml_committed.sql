--
-- Committed inputs (docs/protocol.md 7.19-7.20): the lender proves the day's rows with
-- inputs => 'committed' (one commitment per row, no feature in the receipt); the
-- regulator verifies the receipt and sees keys and scores; it asks for one
-- application, the lender opens that row, and the regulator checks the opening against
-- its own copy of the application.  Then the errors.
--
SET search_path = public, zkml;   -- the extension's objects are in schema zkml
\set credit `cat tests/fixtures/credit_lr20.float.json`
\set lr20 `cat tests/fixtures/lr20.q.json`
CREATE TEMP TABLE cm_cal (n serial, x float8[]);
\copy cm_cal(x) FROM PROGRAM 'tail -n +2 tests/fixtures/credit.calibration.csv | sed -e "s/^/{/" -e "s/$/}/"'
CREATE ROLE zkml_cm_lender IN ROLE zkml_prover;
CREATE ROLE zkml_cm_regulator IN ROLE zkml_auditor;
-- committed inputs exist for protocol version 2 models (the quantizer's "version": 2)
SELECT version FROM zkml_register_model('cm', :'credit', (SELECT array_agg(x ORDER BY n) FROM cm_cal),
                                        options => '{"version": 2, "accept_missed_target": true}');
SELECT version FROM zkml_register_model('cm1', :'lr20');
CREATE TABLE cm_apps (id text, x float8[]);
\copy cm_apps(x) FROM PROGRAM 'head -5 tests/fixtures/credit.holdout.csv | tail -n +2 | sed -e "s/^/{/" -e "s/$/}/"'
UPDATE cm_apps SET id = 'app-' || substr(md5(x::text), 1, 6);
SELECT count(DISTINCT id) AS applications FROM cm_apps;
GRANT SELECT ON cm_apps TO zkml_cm_lender, zkml_cm_regulator;
CREATE TABLE cm_receipts (r bytea, opening bytea);
GRANT ALL ON cm_receipts TO zkml_cm_lender, zkml_cm_regulator;

-- ---- the lender proves the day's rows, inputs committed ------------------------------
SET ROLE zkml_cm_lender;
INSERT INTO cm_receipts(r)
SELECT zkml_prove_batch('cm', id, x, 'day 2026-12-02', 'committed' ORDER BY id) FROM cm_apps;
RESET ROLE;
SELECT info->>'format' AS format, info->>'inputs' AS inputs, info->'rows' AS rows,
       length(info->>'nonce') AS nonce_hex_length, info->'inputs_per_row' AS inputs_per_row
FROM (SELECT zkml_receipt_info(r) AS info FROM cm_receipts) s;
-- A public-mode receipt of the same rows, for comparison: its bytes hold each row's
-- quantized features (the 4·20 bytes before the outputs, found by the row's position).
CREATE TABLE cm_public AS
SELECT zkml_prove_batch('cm', id, x, 'day 2026-12-02' ORDER BY id) AS p FROM cm_apps;
GRANT SELECT ON cm_public TO zkml_cm_regulator;
CREATE TEMP TABLE cm_rowbytes AS
SELECT k, substring(p FROM pos + 80 * (k - 1) FOR 80) AS row_bytes
FROM cm_public, generate_series(1, 4) k,
     LATERAL (SELECT length(p) - 8 - (zkml_receipt_info(p)->>'proof_bytes')::int - 4 * 4 - 4 * 4 * 20 + 1 AS pos) s;
SELECT count(DISTINCT row_bytes) AS distinct_rows, bool_and(position(row_bytes IN p) > 0) AS found_in_public
FROM cm_rowbytes, cm_public;
-- no row's features are in the committed receipt
SELECT bool_or(position(row_bytes IN r) > 0) AS a_row_is_in_the_committed_receipt
FROM cm_rowbytes, cm_receipts;

-- ---- the regulator: the receipt verifies; keys and scores, no features ----------------
SET ROLE zkml_cm_regulator;
SELECT zkml_verify(r, zkml_model_public('cm')) AS valid FROM cm_receipts;
SELECT (zkml_verify_detail(r, zkml_model_public('cm'))).* FROM cm_receipts;
SELECT f.row_key = a.id AS key_is_an_application, f.features IS NULL AS features_hidden,
       round(f.score::numeric, 4) = round(zkml_score_as_lender.s::numeric, 4) AS score_stated
FROM cm_receipts, zkml_receipt_rows(r, zkml_model_public('cm')) f
JOIN cm_apps a ON a.id = f.row_key
CROSS JOIN LATERAL (SELECT f.score AS s) zkml_score_as_lender
ORDER BY f.row_key;
-- the regulator cannot open rows: that needs the model's secret (zkml_prover)
SELECT zkml_open_rows('cm', r, a.id, a.x) FROM cm_receipts, cm_apps a WHERE a.id = (SELECT min(id) FROM cm_apps);
RESET ROLE;

-- ---- the regulator asks for one application; the lender opens that row ---------------
SET ROLE zkml_cm_lender;
UPDATE cm_receipts SET opening = (
    SELECT zkml_open_rows('cm', r, a.id, a.x) FROM cm_apps a WHERE a.id = (SELECT max(id) FROM cm_apps));
SELECT length(opening) AS opening_bytes FROM cm_receipts;   -- 48 + 36 + 4·20
RESET ROLE;

SET ROLE zkml_cm_regulator;
SELECT zkml_verify_opening(r, zkml_model_public('cm'), opening) AS opening_checks FROM cm_receipts;
-- features for the opened row only; they are the regulator's own copy of the application
-- (its own copy quantized with the public descriptor: here the lender's public-mode
-- receipt of the same rows states those quantized features)
SELECT f.row_key = (SELECT max(id) FROM cm_apps) AS opened_row, f.features IS NOT NULL AS has_features,
       f.features IS NOT NULL AND f.features = (SELECT g.features FROM cm_public,
           zkml_receipt_rows(p, zkml_model_public('cm')) g WHERE g.row_key = f.row_key) AS matches_own_copy
FROM cm_receipts, zkml_receipt_rows(r, zkml_model_public('cm'), opening) f
ORDER BY f.row_key;
RESET ROLE;

-- ---- errors -------------------------------------------------------------------------
\set VERBOSITY default
-- an input mode that does not exist
SELECT zkml_prove('cm', x, inputs => 'hidden') FROM cm_apps LIMIT 1;
-- a version 1 model has no committed mode
SELECT zkml_prove('cm1', x, inputs => 'committed') FROM cm_apps LIMIT 1;
-- one public-mode row, and the default is public
SELECT zkml_receipt_info(zkml_prove('cm', x))->>'inputs' AS default_inputs FROM cm_apps LIMIT 1;
-- the lender refuses to open a row with features other than the committed ones
SELECT zkml_open_rows('cm', r, a.id, array_fill(1::float8, ARRAY[20])) FROM cm_receipts, cm_apps a
WHERE a.id = (SELECT min(id) FROM cm_apps);
-- a key that is not in the receipt
SELECT zkml_open_rows('cm', r, 'app-none', a.x) FROM cm_receipts, cm_apps a
WHERE a.id = (SELECT min(id) FROM cm_apps);
-- an opening moved to another row (its index rewritten) does not check, naming the row
SELECT zkml_verify_opening(r, zkml_model_public('cm'), overlay(opening PLACING '\x00000000'::bytea FROM 49 FOR 4))
       AS moved_opening_checks FROM cm_receipts;
SELECT count(*) FROM cm_receipts,
     zkml_receipt_rows(r, zkml_model_public('cm'), overlay(opening PLACING '\x00000000'::bytea FROM 49 FOR 4));
-- one feature of the opening changed
SELECT zkml_verify_opening(r, zkml_model_public('cm'),
           overlay(opening PLACING set_byte('\x00'::bytea, 0, get_byte(opening, 52) # 1) FROM 53 FOR 1))
       AS changed_opening_checks FROM cm_receipts;
-- a row commitment changed: no longer a point of the curve, so not a receipt at all
SELECT zkml_verify(overlay(r PLACING '\x01'::bytea FROM 200 FOR 1), zkml_model_public('cm')) AS tampered_valid
FROM cm_receipts;

-- ---- a day's book proven in parts (docs/protocol.md 12.10-12.11) ---------------------
-- zkml.rows_per_proof = 2 proves the 4 rows into a receipt of several proofs, 2
-- committed parts, each under its own nonce.  An opening names a row by its place
-- across the parts; the third application is the first row of part 2.
CREATE TABLE cm_parts (r bytea, opening bytea, two bytea);
GRANT ALL ON cm_parts TO zkml_cm_lender, zkml_cm_regulator;
SET ROLE zkml_cm_lender;
SET zkml.rows_per_proof = 2;
INSERT INTO cm_parts(r)
SELECT zkml_prove_batch('cm', id, x, 'day 2026-12-02', 'committed' ORDER BY id) FROM cm_apps;
RESET zkml.rows_per_proof;
UPDATE cm_parts SET opening = (
    SELECT zkml_open_rows('cm', r, a.id, a.x) FROM cm_apps a
    WHERE a.id = (SELECT id FROM cm_apps ORDER BY id OFFSET 2 LIMIT 1));
-- the second and the fourth application, one of each part, in one opening
UPDATE cm_parts SET two = (
    SELECT zkml_open_rows('cm', r, a.id, a.x) FROM cm_apps a
    WHERE a.id IN (SELECT id FROM cm_apps ORDER BY id OFFSET 1 LIMIT 1)
       OR a.id = (SELECT max(id) FROM cm_apps));
SELECT length(opening) AS opening_bytes, length(two) AS two_rows_bytes FROM cm_parts;
RESET ROLE;
SELECT info->>'format' AS format, info->>'inputs' AS inputs, info->'part_rows' AS part_rows
FROM (SELECT zkml_receipt_info(r) AS info FROM cm_parts) s;
-- no row's features are in the container either
SELECT bool_or(position(row_bytes IN r) > 0) AS a_row_is_in_the_container
FROM cm_rowbytes, cm_parts;

SET ROLE zkml_cm_regulator;
SELECT zkml_verify(r, zkml_model_public('cm')) AS valid,
       zkml_verify_opening(r, zkml_model_public('cm'), opening) AS opening_checks,
       zkml_verify_opening(r, zkml_model_public('cm'), two) AS two_rows_check
FROM cm_parts;
-- features for the third application only, the regulator's own copy of it
SELECT f.row_key = (SELECT id FROM cm_apps ORDER BY id OFFSET 2 LIMIT 1) AS opened_row,
       f.features IS NOT NULL AS has_features,
       f.features IS NOT NULL AND f.features = (SELECT g.features FROM cm_public,
           zkml_receipt_rows(p, zkml_model_public('cm')) g WHERE g.row_key = f.row_key) AS matches_own_copy
FROM cm_parts, zkml_receipt_rows(r, zkml_model_public('cm'), opening) f
ORDER BY f.row_key;
SELECT f.row_key, f.features IS NOT NULL AS has_features
FROM cm_parts, zkml_receipt_rows(r, zkml_model_public('cm'), two) f
ORDER BY f.row_key;
-- moved to its place in part 1 (the first application: index 0), it does not check, and
-- the message names the row and its part
SELECT zkml_verify_opening(r, zkml_model_public('cm'), overlay(opening PLACING '\x00000000'::bytea FROM 49 FOR 4))
       AS moved_opening_checks FROM cm_parts;
SELECT count(*) FROM cm_parts,
     zkml_receipt_rows(r, zkml_model_public('cm'), overlay(opening PLACING '\x00000000'::bytea FROM 49 FOR 4));
-- the container's opening against the single receipt of the same rows: another receipt
SELECT zkml_verify_opening(c.r, zkml_model_public('cm'), p.opening) AS opening_of_another_receipt
FROM cm_receipts c, cm_parts p;
RESET ROLE;
\set VERBOSITY terse

DROP TABLE cm_receipts, cm_apps, cm_public, cm_parts;
SELECT zkml_drop_model('cm@1'), zkml_drop_model('cm1@1');
DROP ROLE zkml_cm_lender, zkml_cm_regulator;
