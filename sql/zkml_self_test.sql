--
-- zkml_self_test(): the known-answer checks of the core, run inside the backend,
-- and the zkml.threads setting that bounds its threads.
--
SET search_path = public, zkml;   -- the extension's objects are in schema zkml
SELECT * FROM zkml_self_test();

SELECT bool_and(ok) AS all_ok, count(*) > 0 AS some_checks FROM zkml_self_test(3);

-- The same checks whatever the number of iterations.
SELECT count(*) AS mismatches
FROM zkml_self_test(1) a FULL JOIN zkml_self_test(2) b USING (check_name)
WHERE a.ok IS DISTINCT FROM b.ok;

-- iterations must be positive.
SELECT * FROM zkml_self_test(0);
SELECT * FROM zkml_self_test(iterations => -5);

-- STRICT: no rows for NULL.
SELECT count(*) FROM zkml_self_test(NULL);

-- The setting: default between 1 and 8 (the number of cores, capped), range 1..64.
SELECT vartype, context, min_val, max_val, boot_val::int BETWEEN 1 AND 8 AS sane_default,
       setting = boot_val AS is_default
FROM pg_settings WHERE name = 'zkml.threads';

SET zkml.threads = 1;
SHOW zkml.threads;
SELECT bool_and(ok) AS all_ok FROM zkml_self_test(2);

-- More threads than zkml.max_threads may be asked for: the session gets the ceiling.
SET zkml.threads = 16;
SELECT bool_and(ok) AS all_ok FROM zkml_self_test(2);

-- In a parallel worker: the function is PARALLEL SAFE, and a worker starts the core
-- and its threads on its own.
SET force_parallel_mode = on;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT bool_and(ok) FROM zkml_self_test(2);
SELECT bool_and(ok) AS all_ok FROM zkml_self_test(2);
RESET force_parallel_mode;

SET zkml.threads = 0;
SET zkml.threads = 65;
SET zkml.threads = 'many';
SHOW zkml.threads;

-- The prefix is reserved for zkml's own settings.
SET zkml.thread = 2;

RESET zkml.threads;
SELECT setting = boot_val AS is_default FROM pg_settings WHERE name = 'zkml.threads';
