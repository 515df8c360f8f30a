--
-- A long computation is stopped by statement_timeout: zkml_self_test() serves
-- interrupts between iterations, and the session stays usable afterwards.
--
SET search_path = public, zkml;   -- the extension's objects are in schema zkml
SET statement_timeout = '300ms';
SELECT count(*) FROM zkml_self_test(iterations => 1000000);
RESET statement_timeout;

SELECT bool_and(ok) AS all_ok FROM zkml_self_test();

-- The timeout takes effect promptly, not at the end of the run.
SET statement_timeout = '300ms';
DO $$
DECLARE
    started timestamptz := clock_timestamp();
BEGIN
    PERFORM count(*) FROM zkml_self_test(iterations => 1000000);
    RAISE EXCEPTION 'a million iterations finished within the timeout';
EXCEPTION WHEN query_canceled THEN
    RAISE NOTICE 'canceled after less than 5 s: %', clock_timestamp() - started < interval '5 s';
END
$$;
RESET statement_timeout;

-- Again usable, with threads.
SET zkml.threads = 2;
SELECT bool_and(ok) AS all_ok FROM zkml_self_test(2);

-- A proof stopped by the timeout leaves nothing behind: scoring and proving work at once.
\set mlp20 `cat tests/fixtures/mlp20.q.json`
SELECT version FROM zkml_register_model('c_mlp20', :'mlp20');
CREATE TEMP TABLE c_rows (x float8[]);
\copy c_rows FROM PROGRAM 'tail -n +2 tests/fixtures/mlp20.rows.csv | sed -e "s/^/{/" -e "s/$/}/"'
SET statement_timeout = '300ms';
SELECT length(zkml_prove_batch('c_mlp20', g::text, x)) FROM c_rows, generate_series(1, 64) g;
RESET statement_timeout;
SELECT zkml_score('c_mlp20', x) = zkml_score('c_mlp20', x) AS scores FROM c_rows LIMIT 1;
SELECT zkml_verify(zkml_prove('c_mlp20', x)) AS proves FROM c_rows LIMIT 1;
SELECT zkml_drop_model('c_mlp20');
