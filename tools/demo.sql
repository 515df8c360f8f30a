-- The demo: install the extension, ask its version, run the self-test.
CREATE EXTENSION zkml;

SELECT zkml_version();

-- Threads a session may use for proofs (default: the number of cores, at most 8).
SHOW zkml.threads;

-- The known-answer checks of the cryptographic core, run inside the server.
SELECT * FROM zkml_self_test();

-- Ten more rounds with a single thread: every check must pass in every round.
SET zkml.threads = 1;
SELECT bool_and(ok) AS all_passed, count(*) AS checks FROM zkml_self_test(10);
