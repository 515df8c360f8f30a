--
-- Parallel query: zkml_score and zkml_verify run in parallel workers, and the results equal
-- the serial ones.  Scores are compared exactly, through an order-independent sum of their
-- hashes; verdicts through counts that a wrong answer in either direction would change.
--
SET search_path = public, zkml;   -- the extension's objects are in schema zkml
\set mlp20 `cat tests/fixtures/mlp20.q.json`
\set lr20 `cat tests/fixtures/lr20.q.json`
SELECT version FROM zkml_register_model('p_mlp20', :'mlp20');
SELECT version FROM zkml_register_model('p_lr20', :'lr20');

CREATE TABLE p_rows (x float8[]);
\copy p_rows(x) FROM PROGRAM 'tail -n +2 tests/fixtures/mlp20.rows.csv | sed -e "s/^/{/" -e "s/$/}/"'
-- 40,000 rows: the 16 fixture rows, each feature shifted by a per-row amount in [-1, 1]
CREATE TABLE p_big AS
SELECT i, ARRAY(SELECT v + ((i * 7 + k * 13) % 21 - 10) / 10.0
                FROM unnest(x) WITH ORDINALITY AS u(v, k)) AS x
FROM (SELECT x, row_number() OVER () AS r FROM p_rows) f,
     generate_series(1, 2500) g(n),
     LATERAL (SELECT (f.r - 1) * 2500 + g.n AS i) ii;
ANALYZE p_big;

-- 32 receipts of the lr20 model (16 rows, two contexts); every third has one byte of its
-- proof changed
CREATE TABLE p_receipts AS
SELECT n, c, zkml_prove('p_lr20', x, c) AS r
FROM (SELECT row_number() OVER () AS n, x FROM p_rows) s, unnest(ARRAY['day 1', 'day 2']) c;
UPDATE p_receipts SET r = set_byte(r, length(r) - 40, get_byte(r, length(r) - 40) # 1)
WHERE (n + length(c)) % 3 = 0;
ANALYZE p_receipts;

-- serial answers
SET max_parallel_workers_per_gather = 0;
CREATE TABLE p_serial AS
SELECT (SELECT count(*) FROM p_big) AS rows,
       (SELECT sum(hashfloat8(zkml_score('p_mlp20', x))::bigint) FROM p_big) AS score_hash_sum,
       (SELECT count(*) FILTER (WHERE zkml_verify(r)) FROM p_receipts) AS valid,
       (SELECT count(*) FILTER (WHERE NOT zkml_verify(r)) FROM p_receipts) AS invalid;
SELECT rows, valid, invalid FROM p_serial;

-- parallel plans
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF)
SELECT sum(hashfloat8(zkml_score('p_mlp20', x))::bigint) FROM p_big;
EXPLAIN (COSTS OFF)
SELECT zkml_verify(r) FROM p_receipts;

-- the same answers in parallel
SELECT (SELECT count(*) FROM p_big) = s.rows AS same_rows,
       (SELECT sum(hashfloat8(zkml_score('p_mlp20', x))::bigint) FROM p_big) = s.score_hash_sum
           AS same_scores,
       (SELECT count(*) FILTER (WHERE zkml_verify(r)) FROM p_receipts) = s.valid AS same_valid,
       (SELECT count(*) FILTER (WHERE NOT zkml_verify(r)) FROM p_receipts) = s.invalid
           AS same_invalid
FROM p_serial s;

-- zkml.threads set in a new session before the library is loaded: the workers load it
-- and take the leader's setting without a warning, and the leader keeps it
\c
SET search_path = public, zkml;
SET zkml.threads = 1;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT count(*) FILTER (WHERE zkml_verify(r)) AS valid FROM p_receipts;
SELECT sum(hashfloat8(zkml_score('p_mlp20', x))::bigint) = (SELECT score_hash_sum FROM p_serial)
    AS same_scores
FROM p_big;
SHOW zkml.threads;

RESET ALL;
SET search_path = public, zkml;
DROP TABLE p_rows, p_big, p_receipts, p_serial;
SELECT zkml_drop_model('p_mlp20'), zkml_drop_model('p_lr20');
