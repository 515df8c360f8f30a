SET search_path = public, zkml;
--
-- zkml.out_of_range_features: features beyond the range the model's inputs represent
-- are saturated (the default) or, with refuse, refused by zkml_score, zkml_prove and
-- zkml_prove_batch; only a superuser sets it, also when a parallel query is the first
-- to load zkml; an error of the forward pass names no hidden unit.
--
\set lr20 `cat tests/fixtures/lr20.q.json`
-- two named inputs (income: scale 0.5, so [-64, 63.5]; debt: scale 2 and zero point
-- -10, so [-236, 274]), a hidden layer of two units whose second leaves its table for
-- rows near the corner (63.5, -236), and one output
\set hidden '{"format":"zkml-quantized-v1","layers":[{"weights":[[1,1],[3,-2]],"bias":[0,0],"M":1,"s":1,"Q":8,"limb_bits":8,"activation":{"kind":"relu"}},{"weights":[[1,-1]],"bias":[0],"M":1,"s":1,"Q":8,"limb_bits":8,"activation":{"kind":"identity"}}],"inputs":[{"name":"income","scale":0.5},{"name":"debt","scale":2,"zero_point":-10}],"outputs":[{"scale":0.5}]}'
SELECT version FROM zkml_register_model('fr_lr20', :'lr20');
SELECT version FROM zkml_register_model('fr_hidden', :'hidden');
-- lr20 has no input scales: every feature's range is [-128, 127]
CREATE TEMP TABLE fr (id int, name text, x float8[]);
INSERT INTO fr VALUES
    (1, 'zero', array_fill(0::float8, ARRAY[20])),
    (2, 'high', array_fill(127::float8, ARRAY[20])),
    (3, 'low', array_fill(-128::float8, ARRAY[20])),
    (4, 'f1 127', 127::float8 || array_fill(0::float8, ARRAY[19])),
    (5, 'f1 127.49', 127.49::float8 || array_fill(0::float8, ARRAY[19])),
    (6, 'f1 127.5', 127.5::float8 || array_fill(0::float8, ARRAY[19])),
    (7, 'f1 1e300', 1e300::float8 || array_fill(0::float8, ARRAY[19])),
    (8, 'f20 -128', array_fill(0::float8, ARRAY[19]) || -128::float8),
    (9, 'f20 -128.5', array_fill(0::float8, ARRAY[19]) || -128.5::float8),
    (10, 'f20 -1e300', array_fill(0::float8, ARRAY[19]) || -1e300::float8);

-- saturate, the default: a value beyond the range scores as the end of the range
SHOW zkml.out_of_range_features;
SELECT zkml_score('fr_lr20', (SELECT x FROM fr WHERE name = 'f1 1e300')) =
       zkml_score('fr_lr20', (SELECT x FROM fr WHERE name = 'f1 127')) AS saturates_high,
       zkml_score('fr_lr20', (SELECT x FROM fr WHERE name = 'f20 -1e300')) =
       zkml_score('fr_lr20', (SELECT x FROM fr WHERE name = 'f20 -128')) AS saturates_low;
CREATE TEMP TABLE fr_saturated AS
SELECT name, zkml_score('fr_lr20', x) AS score FROM fr;

-- refuse: the ends of the range, and values that round to them, score as before
SET zkml.out_of_range_features = refuse;
SHOW zkml.out_of_range_features;
SELECT f.name, zkml_score('fr_lr20', f.x) = s.score AS same_score
FROM fr f JOIN fr_saturated s USING (name)
WHERE f.name IN ('zero', 'high', 'low', 'f1 127', 'f1 127.49', 'f20 -128')
ORDER BY f.id;
-- a value that quantization would clamp is refused, naming the feature, its value and
-- the range
SELECT zkml_score('fr_lr20', x) FROM fr WHERE name = 'f1 1e300';
SELECT zkml_score('fr_lr20', x) FROM fr WHERE name = 'f1 127.5';
SELECT zkml_score('fr_lr20', x) FROM fr WHERE name = 'f20 -1e300';
SELECT zkml_score('fr_lr20', x) FROM fr WHERE name = 'f20 -128.5';
SELECT zkml_score('fr_hidden', ARRAY[1e300, 0]);
SELECT zkml_score('fr_hidden', ARRAY[0, -237]);
SELECT zkml_score('fr_hidden', ARRAY[63.5, 274]) AS at_the_ends;
-- and by proofs, one row or a batch
SELECT zkml_prove('fr_lr20', x) FROM fr WHERE name = 'f1 1e300';
SELECT zkml_prove_batch('fr_lr20', name, x ORDER BY id) FROM fr;
SELECT length(zkml_prove('fr_lr20', x)) > 0 AS proves_at_the_end FROM fr WHERE name = 'f1 127';
SELECT zkml_verify(zkml_prove_batch('fr_lr20', name, x ORDER BY id)) AS batch_at_the_ends
FROM fr WHERE name IN ('zero', 'high', 'low', 'f1 127', 'f20 -128');
-- NaN is still a NaN error
SELECT zkml_score('fr_hidden', ARRAY['NaN', 0]::float8[]);

-- a prover can neither turn refusal off nor change the setting otherwise
CREATE ROLE zkml_test_range_prover IN ROLE zkml_prover;
GRANT USAGE ON SCHEMA public TO zkml_test_range_prover;
SET ROLE zkml_test_range_prover;
SHOW zkml.out_of_range_features;
SET zkml.out_of_range_features = saturate;
BEGIN;
SET LOCAL zkml.out_of_range_features = saturate;
ROLLBACK;
RESET zkml.out_of_range_features;
SELECT set_config('zkml.out_of_range_features', 'saturate', false);
SELECT zkml_score('fr_hidden', ARRAY[1e300, 0]);
RESET ROLE;
SHOW zkml.out_of_range_features;

-- the forward pass: a row within the input range whose hidden unit leaves its
-- activation table.  The error says the row lies outside the range the model was
-- quantized for (and which row of a batch), never which layer or unit
SELECT zkml_score('fr_hidden', ARRAY[1, 0]) AS score;
SELECT zkml_score('fr_hidden', ARRAY[63.5, -236]);
SELECT zkml_prove('fr_hidden', ARRAY[63.5, -236]);
SELECT zkml_prove_batch('fr_hidden', k, x ORDER BY k)
FROM (VALUES ('a', ARRAY[1, 0]::float8[]), ('b', ARRAY[63.5, -236]), ('c', ARRAY[0, 0]))
     v(k, x);
SELECT zkml_prove_batch('fr_hidden', NULL, x ORDER BY n)
FROM (VALUES (1, ARRAY[1, 0]::float8[]), (2, ARRAY[0, 0]), (3, ARRAY[63.5, -236])) v(n, x);
-- the same with saturation: extreme values reach the corner too
RESET zkml.out_of_range_features;
SELECT zkml_score('fr_hidden', ARRAY[1e300, -1e300]);
-- nothing in the message or the detail names a layer, a unit or the table
CREATE FUNCTION pg_temp.fr_error_text(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    m text;
    d text;
BEGIN
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN numeric_value_out_of_range THEN
    GET STACKED DIAGNOSTICS m = MESSAGE_TEXT, d = PG_EXCEPTION_DETAIL;
    RETURN m || ' / ' || d;
END $$;
SELECT q, t ~* 'layer|unit|output|table|2\^|requantized' AS names_a_unit
FROM (VALUES ('SELECT zkml_score(''fr_hidden'', ARRAY[63.5, -236])'),
             ('SELECT zkml_prove(''fr_hidden'', ARRAY[63.5, -236])'),
             ('SELECT zkml_prove_batch(''fr_hidden'', k, x) FROM (VALUES (''a'', ' ||
              'ARRAY[63.5, -236]::float8[])) v(k, x)'),
             ('SELECT zkml_score(''fr_lr20'', ARRAY[127,-128,-128,127,-128,-128,127,-128,' ||
              '127,-128,-128,-128,127,127,127,127,127,-128,127,-128])')) v(q),
     LATERAL pg_temp.fr_error_text(q) t;

-- zkml first loaded by a parallel query, after a prover's SET before the load: the
-- database's refuse holds in the leader and in the workers
SELECT current_database() AS db \gset
ALTER DATABASE :"db" SET zkml.out_of_range_features = refuse;
CREATE TABLE fr_rows AS SELECT x FROM fr WHERE name = 'f1 1e300';
GRANT SELECT ON fr_rows TO zkml_test_range_prover;
\c
SET search_path = public, zkml;
SET ROLE zkml_test_range_prover;
SET zkml.out_of_range_features = saturate;     -- a placeholder: zkml is not loaded yet
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET max_parallel_workers = 0;                   -- no workers: the leader runs the plan
EXPLAIN (COSTS OFF) SELECT zkml_score('fr_lr20', x) FROM fr_rows;
SELECT zkml_score('fr_lr20', x) FROM fr_rows;
SHOW zkml.out_of_range_features;
\c
SET search_path = public, zkml;
SET ROLE zkml_test_range_prover;
SET zkml.out_of_range_features = saturate;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;        -- the workers run the plan
\set VERBOSITY terse
SELECT zkml_score('fr_lr20', x) FROM fr_rows;
SELECT zkml_score('fr_lr20', x) FROM fr_rows;
\set VERBOSITY default
-- a superuser's SET before the load holds; RESET gives the database's value
\c
SET search_path = public, zkml;
SET zkml.out_of_range_features = saturate;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET max_parallel_workers = 0;
SELECT zkml_score('fr_lr20', x) = zkml_score('fr_lr20', 127 || array_fill(0::float8, ARRAY[19]))
    AS saturated
FROM fr_rows;
SHOW zkml.out_of_range_features;
RESET zkml.out_of_range_features;
SHOW zkml.out_of_range_features;
-- and the workers of later queries receive it
RESET max_parallel_workers;
SET parallel_leader_participation = off;
\set VERBOSITY terse
SELECT zkml_score('fr_lr20', x) FROM fr_rows;
\set VERBOSITY default

ALTER DATABASE :"db" RESET zkml.out_of_range_features;
\c
SET search_path = public, zkml;
DROP TABLE fr_rows;
SELECT zkml_drop_model('fr_lr20'), zkml_drop_model('fr_hidden');
REVOKE USAGE ON SCHEMA public FROM zkml_test_range_prover;
DROP ROLE zkml_test_range_prover;
