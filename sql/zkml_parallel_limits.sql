SET search_path = public, zkml;
--
-- The superuser's limits (zkml.max_batch_rows, zkml.max_proof_memory, zkml.max_threads)
-- hold when a parallel query is the first in a session to load zkml: PostgreSQL cannot
-- apply a placeholder in parallel mode, and without care the database's values fell
-- back to the defaults for the rest of the session.  Neither that nor a prover's SET
-- made before the load changes them; a superuser's SET made before the load counts.
--
\set lr20 `cat tests/fixtures/lr20.q.json`
SELECT version FROM zkml_register_model('pl_lr20', :'lr20');
CREATE TABLE pl_rows AS
SELECT n, 'row ' || n AS k, array_fill((n % 5)::float8, ARRAY[20]) AS x
FROM generate_series(1, 8) n;
ALTER TABLE pl_rows SET (parallel_workers = 2);   -- a plan for two workers, small as it is
ANALYZE pl_rows;
CREATE ROLE zkml_test_limits_prover IN ROLE zkml_prover;
GRANT USAGE ON SCHEMA public TO zkml_test_limits_prover;
GRANT SELECT ON pl_rows TO zkml_test_limits_prover;
-- a function of the superuser's that raises a limit for its own body
CREATE FUNCTION pl_score_raised(x float8[]) RETURNS float8
LANGUAGE plpgsql PARALLEL RESTRICTED SECURITY DEFINER
SET zkml.max_batch_rows = 1000
AS $$ BEGIN RETURN zkml.zkml_score('pl_lr20', x); END $$;
GRANT EXECUTE ON FUNCTION pl_score_raised(float8[]) TO zkml_test_limits_prover;

SELECT current_database() AS db \gset
ALTER DATABASE :"db" SET zkml.max_batch_rows = 5;
ALTER DATABASE :"db" SET zkml.max_proof_memory = '100MB';
ALTER DATABASE :"db" SET zkml.max_threads = 1;

-- a prover's session whose first use of zkml is a batch proof over a parallel scan (the
-- aggregate runs in the leader, in parallel mode): more rows than the database allows
\c
SET search_path = public, zkml;
SET ROLE zkml_test_limits_prover;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET max_parallel_workers = 0;                   -- no workers: the leader runs the plan
EXPLAIN (COSTS OFF) SELECT zkml_prove_batch('pl_lr20', k, x) FROM pl_rows;
SELECT length(zkml_prove_batch('pl_lr20', k, x)) > 0 AS proved FROM pl_rows;
SHOW zkml.max_batch_rows;
SHOW zkml.max_proof_memory;
SHOW zkml.max_threads;
-- and the memory limit refuses a proof that needs more
SELECT length(zkml_prove_batch('pl_lr20', k, x)) > 0 AS proved FROM pl_rows WHERE n <= 5;

-- the same after a prover's SETs before the load (placeholders, accepted until zkml is
-- loaded, and not counted then); here the first use is a single proof
\c
SET search_path = public, zkml;
SET ROLE zkml_test_limits_prover;
SET zkml.max_batch_rows = 100000;
SET zkml.max_proof_memory = '4GB';
SET zkml.max_threads = 64;
SET zkml.threads = 4;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET max_parallel_workers = 0;
EXPLAIN (COSTS OFF) SELECT length(zkml_prove('pl_lr20', x)) FROM pl_rows WHERE n = 1;
SELECT length(zkml_prove('pl_lr20', x)) > 0 AS proved FROM pl_rows WHERE n = 1;
SHOW zkml.max_batch_rows;
SHOW zkml.max_proof_memory;
SHOW zkml.max_threads;
SHOW zkml.threads;
SELECT length(zkml_prove_batch('pl_lr20', k, x)) > 0 AS proved FROM pl_rows;
-- the prover still cannot change them
SET zkml.max_batch_rows = 100000;
SET zkml.max_proof_memory = '4GB';
SET zkml.max_threads = 64;

-- workers that load zkml first: one that cannot know the leader's value (it gets the
-- prover's) takes the most restrictive one, the others the database's; then the leader
\c
SET search_path = public, zkml;
SET ROLE zkml_test_limits_prover;
SET zkml.max_batch_rows = 100000;
SET zkml.max_threads = 64;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;        -- the workers run the plan
CREATE TEMP VIEW pl_in_workers AS
SELECT bool_and(limited) AS limited, count(*) AS scored
FROM (SELECT CASE WHEN zkml_score('pl_lr20', x) IS NOT NULL
                  THEN current_setting('zkml.max_batch_rows')::int <= 5
                   AND pg_size_bytes(current_setting('zkml.max_proof_memory')) <= 100 * 1024 * 1024
                   AND current_setting('zkml.max_threads')::int = 1
             END AS limited
      FROM pl_rows) s;
EXPLAIN (COSTS OFF) SELECT * FROM pl_in_workers;
SELECT * FROM pl_in_workers;
RESET parallel_leader_participation;
SELECT length(zkml_prove_batch('pl_lr20', k, x)) > 0 AS proved FROM pl_rows;
SHOW zkml.max_batch_rows;
SHOW zkml.max_threads;
-- and the workers of later queries get the leader's values
SET parallel_leader_participation = off;
SELECT * FROM pl_in_workers;

-- a superuser's function that raises a limit for its body loads zkml first: once it
-- returns, the session has the database's limit, not the default
\c
SET search_path = public, zkml;
SET ROLE zkml_test_limits_prover;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET max_parallel_workers = 0;
EXPLAIN (COSTS OFF) SELECT count(pl_score_raised(x)) FROM pl_rows;
SELECT count(pl_score_raised(x)) AS scored FROM pl_rows;
SHOW zkml.max_batch_rows;
SELECT length(zkml_prove_batch('pl_lr20', k, x)) > 0 AS proved FROM pl_rows;

-- a superuser's SETs before the load count; RESET gives the database's values
\c
SET search_path = public, zkml;
SET zkml.max_batch_rows = 7;
SET zkml.max_proof_memory = '200MB';
SET zkml.max_threads = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET max_parallel_workers = 0;
SELECT length(zkml_prove_batch('pl_lr20', k, x)) > 0 AS proved FROM pl_rows;
SHOW zkml.max_batch_rows;
SHOW zkml.max_proof_memory;
SHOW zkml.max_threads;
RESET zkml.max_batch_rows;
RESET zkml.max_proof_memory;
RESET zkml.max_threads;
SHOW zkml.max_batch_rows;
SHOW zkml.max_proof_memory;
SHOW zkml.max_threads;

ALTER DATABASE :"db" RESET zkml.max_batch_rows;
ALTER DATABASE :"db" RESET zkml.max_proof_memory;
ALTER DATABASE :"db" RESET zkml.max_threads;
\c
SET search_path = public, zkml;
DROP FUNCTION pl_score_raised(float8[]);
DROP TABLE pl_rows;
SELECT zkml_drop_model('pl_lr20');
REVOKE USAGE ON SCHEMA public FROM zkml_test_limits_prover;
DROP ROLE zkml_test_limits_prover;
