--
-- Groups of any size (docs/protocol.md 12.10.4): zkml_prove_batch over more rows than
-- zkml.rows_per_proof proves them in parts into one receipt of several proofs
-- ("ZKMLRCTM"), which zkml_verify, zkml_verify_detail, zkml_receipt_rows and
-- zkml_receipt_info read; a model registered under protocol version 1 is not split.
--
SET search_path = public, zkml;
\set credit `cat tests/fixtures/credit_lr20.float.json`
\set lr20v1 `cat tests/fixtures/lr20.q.json`
SELECT name, version FROM zkml_register_model('grp', :'credit',
    options => '{"version": 2, "accept_missed_target": true}');
SELECT name, version FROM zkml_register_model('grp_v1', :'lr20v1');
CREATE TABLE grp_apps AS
    SELECT 'app-' || i AS app_id,
           ARRAY(SELECT ((i * j) % 7 - 3) * 0.25 FROM generate_series(1, 20) j)::float8[] AS x
    FROM generate_series(1, 8) i;

-- the setting: a user's, 1 .. 2^24
SHOW zkml.rows_per_proof;
SET zkml.rows_per_proof = 0;
SET zkml.rows_per_proof = 16777217;

-- 8 rows in parts of 3: three proofs (3, 3 and 2 rows) in one receipt
SET zkml.rows_per_proof = 3;
CREATE TABLE grp_receipts AS
    SELECT 'split' AS what, zkml_prove_batch('grp', app_id, x, 'day 1' ORDER BY app_id) AS r
    FROM grp_apps;
SELECT substring(r FROM 1 FOR 8) AS magic, i->>'format' AS format, i->'rows' AS rows,
       i->'parts' AS parts, i->'part_rows' AS part_rows, i->>'context' AS context,
       i->'rows_with_keys' AS keyed
FROM grp_receipts, zkml_receipt_info(r) i WHERE what = 'split';
SELECT zkml_verify(r) AS valid FROM grp_receipts WHERE what = 'split';
SELECT zkml_verify(r, zkml_model_public('grp')) AS valid_public FROM grp_receipts WHERE what = 'split';
SELECT * FROM zkml_verify_detail((SELECT r FROM grp_receipts WHERE what = 'split'));
-- every part's rows, in order, with the model's scores
SELECT rr.row_key, rr.score = zkml_score('grp', a.x) AS same_score
FROM grp_receipts, zkml_receipt_rows(r) rr JOIN grp_apps a ON a.app_id = rr.row_key
WHERE what = 'split';
-- against another model: not its receipt
SELECT zkml_verify(r, zkml_model_public('grp_v1')) FROM grp_receipts WHERE what = 'split';

-- one byte of part 2's proof altered: invalid, part 2 named.  Part i starts after the
-- 20-byte header and, for each part before it, 8 bytes of length and the part.
CREATE FUNCTION grp_u64(b bytea, at int) RETURNS bigint LANGUAGE sql IMMUTABLE AS
$$ SELECT sum(get_byte(b, at + k)::bigint << (8 * k))::bigint FROM generate_series(0, 7) k $$;
CREATE TEMP TABLE grp_bad AS
    SELECT set_byte(r, p2_end - 40, get_byte(r, p2_end - 40) # 1) AS r
    FROM (SELECT r, 20 + 8 + grp_u64(r, 20)::int + 8 + grp_u64(r, 28 + grp_u64(r, 20)::int)::int AS p2_end
          FROM grp_receipts WHERE what = 'split') s;
SELECT zkml_verify(r) AS altered_valid FROM grp_bad;
SELECT ok, reason, detail LIKE 'Proof check failed: part 2 of 3: %' AS names_part_2 FROM grp_bad, zkml_verify_detail(r);
-- the count of parts changed: not a receipt any more
\set VERBOSITY terse
SELECT zkml_verify(overlay(r PLACING '\x02000000'::bytea FROM 9)) FROM grp_receipts WHERE what = 'split';
\set VERBOSITY default
SELECT ok, reason FROM grp_receipts, zkml_verify_detail(overlay(r PLACING '\x02000000'::bytea FROM 9)) WHERE what = 'split';

-- as many rows as the setting, or fewer: one proof, as before
INSERT INTO grp_receipts
    SELECT 'single', zkml_prove_batch('grp', app_id, x ORDER BY app_id) FROM grp_apps WHERE app_id <= 'app-3';
SELECT substring(r FROM 1 FOR 8) AS magic, zkml_receipt_info(r)->'parts' AS parts,
       zkml_receipt_info(r)->'part_rows' AS part_rows, zkml_verify(r) AS valid
FROM grp_receipts WHERE what = 'single';

-- a model registered under protocol version 1 is not proven in parts: its group stays
-- one proof whatever the setting, as under 0.1.0
SELECT substring(r FROM 1 FOR 8) AS magic, zkml_receipt_info(r)->'parts' AS parts, zkml_verify(r) AS v1_in_one
FROM (SELECT zkml_prove_batch('grp_v1', app_id, x ORDER BY app_id) AS r FROM grp_apps) t;
-- a tree ensemble is proven in parts as a network is (docs/protocol.md 16.4, 12.10)
SET zkml.rows_per_proof = 3;
SELECT name, version FROM zkml_register_model('grp_trees', '{"format":"zkml-trees-v1","features":["a","b"],"transform":"identity","trees":[{"left":[1,-1,-1],"right":[2,-1,-1],"feature":[1,0,0],"threshold":[2.5,0,0],"default_left":[false,false,false],"value":[0,-0.25,0.75]}]}');
SELECT substring(r FROM 1 FOR 8) AS magic, zkml_receipt_info(r)->'parts' AS parts, zkml_verify(r) AS valid
FROM (SELECT zkml_prove_batch('grp_trees', app_id, x[1:2] ORDER BY app_id) AS r FROM grp_apps) t;

-- the memory limit bounds a part: one row that does not fit is refused, naming the
-- part's size
SET zkml.rows_per_proof = 3;
SET zkml.max_proof_memory = '64MB';
DO $$
BEGIN
    PERFORM zkml_prove_batch('grp', app_id, x ORDER BY app_id) FROM grp_apps;
EXCEPTION WHEN program_limit_exceeded THEN
    RAISE NOTICE '%', regexp_replace(SQLERRM, '[0-9]+ MB', 'N MB');
END
$$;
RESET zkml.max_proof_memory;
RESET zkml.rows_per_proof;

-- zkml.keep_proof_memory (superuser): what a backend keeps for its next proof changes
-- nothing proven; 0 keeps nothing, and a user who is not a superuser may not change it
SHOW zkml.keep_proof_memory;
SET zkml.rows_per_proof = 3;
SET zkml.keep_proof_memory = 0;
SELECT zkml_verify(zkml_prove_batch('grp', app_id, x ORDER BY app_id)) AS kept_none FROM grp_apps;
SET zkml.keep_proof_memory = '16MB';
SELECT zkml_verify(zkml_prove_batch('grp', app_id, x ORDER BY app_id)) AS kept_16mb FROM grp_apps;
RESET zkml.keep_proof_memory;
RESET zkml.rows_per_proof;
CREATE ROLE zkml_test_keep_memory NOLOGIN;
SET ROLE zkml_test_keep_memory;
SET zkml.keep_proof_memory = '1GB';
RESET ROLE;
DROP ROLE zkml_test_keep_memory;

DROP TABLE grp_receipts, grp_apps;
DROP FUNCTION grp_u64(bytea, int);
SELECT zkml_drop_model('grp');
SELECT zkml_drop_model('grp_v1');
SELECT zkml_drop_model('grp_trees');
