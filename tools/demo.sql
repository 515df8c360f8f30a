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

-- A lender registers a credit model trained on real data: a logistic regression on the
-- German Credit data (tests/fixtures/make_credit.py), exported from scikit-learn as a float
-- model document.  zkml quantizes it with 200 calibration rows and reports the error.
\set credit `cat credit_lr20.float.json`
CREATE TABLE calibration (id serial PRIMARY KEY, features float8[]);
\copy calibration(features) FROM PROGRAM 'tail -n +2 credit.calibration.csv | sed -e "s/^/{/" -e "s/$/}/"'
SELECT name, version, digest,
       jsonb_pretty(report - 'inputs' - 'layers' - 'q_search') AS report
FROM zkml_register_model('credit', :'credit', (SELECT array_agg(features ORDER BY id) FROM calibration));
SELECT name, version, shapes, verify_only FROM zkml_models;

-- The day's applications (held-out rows of the same data), scored.
CREATE TABLE applications (id serial PRIMARY KEY, features float8[]);
\copy applications(features) FROM PROGRAM 'tail -n +2 credit.holdout.csv | sed -e "s/^/{/" -e "s/$/}/"'
SELECT id, round(zkml_score('credit', features)::numeric, 4) AS probability
FROM applications ORDER BY id LIMIT 5;

-- One receipt for the first 20 applications, each named by its id.
CREATE TABLE decisions AS
SELECT zkml_prove_batch('credit', id::text, features ORDER BY id) AS receipt
FROM applications WHERE id <= 20;
SELECT zkml_receipt_info(receipt) - 'model_digest' AS receipt FROM decisions;

-- The auditor's side: the public descriptor is all it needs.
CREATE TABLE exported AS SELECT zkml_model_public('credit') AS descriptor;
SELECT zkml_verify(receipt) AS valid_here,
       zkml_verify(receipt, (SELECT descriptor FROM exported)) AS valid_with_descriptor,
       zkml_verify(set_byte(receipt, 200, get_byte(receipt, 200) # 1),
                   (SELECT descriptor FROM exported)) AS valid_after_tampering
FROM decisions;
SELECT r.row_key, round(r.score::numeric, 4) AS proven_score
FROM decisions, zkml_receipt_rows(receipt, (SELECT descriptor FROM exported)) r
ORDER BY r.row_key::int LIMIT 5;
