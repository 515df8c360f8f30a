--
-- A long computation is stopped by statement_timeout: zkml_self_test() serves
-- interrupts between iterations, and the session stays usable afterwards.
--
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
