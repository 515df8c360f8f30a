--
-- What an attacker inside the database tried, and must not get: a crash or heap bytes
-- from a crafted receipt, limits raised by a user, an array read past its end, a model
-- shadowed by an import, a huge name echoed back.  (The database owner's attacks on the
-- schema and the server log need their own roles and log: tests/t/004_security.pl.)
--
SET search_path = public, zkml;   -- the extension's objects are in schema zkml
\set lr20 `cat tests/fixtures/lr20.q.json`
\set credit `cat tests/fixtures/credit_lr20.float.json`
SELECT version FROM zkml_register_model('s_lr20', :'lr20');
CREATE TABLE s_rows (n serial, x float8[]);
\copy s_rows(x) FROM PROGRAM 'tail -n +2 tests/fixtures/lr20.rows.csv | sed -e "s/^/{/" -e "s/$/}/"'

-- A one-row receipt whose input count says 40 or 65,536 instead of 20, padded to match
-- (the inputs start at byte 60: header 56, one empty key 4).  Its rows are read only
-- after its shapes are found to be the model's; it never verifies.
CREATE TABLE s_good AS
SELECT zkml_prove('s_lr20', x) AS r, zkml_model_public('s_lr20') AS pub
FROM s_rows WHERE n = 1;
CREATE TABLE s_crafted AS
SELECT w, overlay(substr(r, 1, 140) PLACING le FROM 45 FOR 4)
          || decode(repeat('00', (w - 20) * 4), 'hex') || substr(r, 141) AS r
FROM s_good, (VALUES (40, '\x28000000'::bytea), (65536, '\x00000100'::bytea)) v(w, le);
SELECT w, (zkml_receipt_info(r)->>'inputs_per_row')::int AS inputs_per_row FROM s_crafted ORDER BY w;
SELECT w, zkml_verify(r) FROM s_crafted ORDER BY w;
SELECT count(*) FROM s_crafted, zkml_receipt_rows(r, (SELECT pub FROM s_good)) WHERE w = 40;
SELECT count(*) FROM s_crafted, zkml_receipt_rows(r, (SELECT pub FROM s_good)) WHERE w = 65536;
SELECT count(*) FROM s_crafted, zkml_receipt_rows(r) WHERE w = 65536;
-- the honest receipt still reads
SELECT count(*), bool_and(array_length(features, 1) = 20) FROM s_good, zkml_receipt_rows(r);

-- Limits that protect the server are a superuser's: a user may not raise them (nor
-- lower them), and zkml.threads is capped by zkml.max_threads.
SELECT name, context FROM pg_settings
WHERE name IN ('zkml.max_proof_memory', 'zkml.max_batch_rows', 'zkml.max_threads', 'zkml.threads')
ORDER BY name;
-- by default, no more threads than cores (at most 8)
SELECT boot_val::int BETWEEN 1 AND 8 AS sane_default FROM pg_settings WHERE name = 'zkml.max_threads';
CREATE ROLE zkml_test_user IN ROLE zkml_prover;
SET ROLE zkml_test_user;
SET zkml.max_proof_memory = '2TB';
SET zkml.max_batch_rows = 1000000;
SET zkml.max_threads = 64;
SET zkml.threads = 2;
SHOW zkml.threads;
RESET ROLE;
DROP ROLE zkml_test_user;

-- The calibration rows must have the model's width: 20 features, not 1 or 21.
SELECT version FROM zkml_register_model('s_credit', :'credit', '{{1},{2}}');
SELECT version FROM zkml_register_model('s_credit', :'credit',
    (SELECT array_agg(x || 0.0::float8) FROM s_rows));
SELECT version FROM zkml_register_model('s_credit', :'credit', '{}');
SELECT version FROM zkml_register_model('s_credit', :'credit', (SELECT array_agg(x) FROM s_rows));
SELECT zkml_drop_model('s_credit');

-- An import may not shadow a model proven here; under a new name it is verify-only.
-- (two descriptors of models registered elsewhere: here, then dropped)
CREATE TABLE s_foreign (n int, pub bytea);
SELECT version FROM zkml_register_model('s_elsewhere', :'lr20');
SELECT version FROM zkml_register_model('s_elsewhere', :'lr20');
INSERT INTO s_foreign SELECT v, zkml_model_public('s_elsewhere', v) FROM generate_series(1, 2) v;
SELECT zkml_drop_model('s_elsewhere');
SELECT zkml_import_model_public('s_lr20', (SELECT pub FROM s_foreign WHERE n = 1));
SELECT name, version FROM zkml_import_model_public('s_partner', (SELECT pub FROM s_foreign WHERE n = 1));
SELECT zkml_score('s_lr20', x) IS NOT NULL AS still_scores FROM s_rows WHERE n = 1;
SELECT name, version, verify_only FROM zkml_models WHERE name LIKE 's\_%' ORDER BY 1, 2;
-- an imported name takes further imports (the partner's next version)
SELECT version FROM zkml_import_model_public('s_partner', (SELECT pub FROM s_foreign WHERE n = 2));
SELECT zkml_drop_model('s_partner');

-- Names: 1 to 63 bytes, refused before anything echoes them.
SELECT zkml_register_model(repeat('n', 64), :'lr20');
SELECT zkml_register_model('', :'lr20');
SELECT zkml_import_model_public(repeat('n', 100000), (SELECT pub FROM s_good));
SELECT zkml_score(repeat('n', 100000), (SELECT x FROM s_rows WHERE n = 1));
SELECT zkml_prove(repeat('é', 32), (SELECT x FROM s_rows WHERE n = 1));
SELECT zkml_prove_batch(repeat('n', 64), 'k', x) FROM s_rows;
SELECT zkml_model_public(repeat('n', 64));
SELECT zkml_drop_model(repeat('n', 64));
SELECT version FROM zkml_register_model(repeat('n', 63), :'lr20');
SELECT zkml_drop_model(repeat('n', 63));

DROP TABLE s_rows, s_good, s_crafted, s_foreign;
SELECT zkml_drop_model('s_lr20');
