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

-- A lender registers a credit model (the mlp20 shape, 20 features -> 64 -> 32 -> 1,
-- quantized), scores a table of applications, proves one decision, and an auditor
-- checks the receipt with the model's public descriptor alone.
\set mlp20 `cat mlp20.q.json`
SELECT name, version, digest, report FROM zkml_register_model('credit', :'mlp20');
SELECT name, version, shapes, verify_only FROM zkml_models;

CREATE TABLE applications (id serial PRIMARY KEY, features float8[]);
\copy applications(features) FROM PROGRAM 'tail -n +2 mlp20.rows.csv | sed -e "s/^/{/" -e "s/$/}/"'
SELECT id, zkml_score('credit', features) AS score FROM applications ORDER BY id LIMIT 5;

CREATE TABLE decisions AS
SELECT id, zkml_prove('credit', features, 'application ' || id) AS receipt
FROM applications WHERE id = 3;
SELECT id, zkml_receipt_info(receipt) - 'model_digest' AS receipt FROM decisions;

-- The auditor's side: the public descriptor is all it needs.
CREATE TABLE exported AS SELECT zkml_model_public('credit') AS descriptor;
SELECT id, zkml_verify(receipt) AS valid_here,
       zkml_verify(receipt, (SELECT descriptor FROM exported)) AS valid_with_descriptor,
       zkml_verify(set_byte(receipt, 100, get_byte(receipt, 100) # 1),
                   (SELECT descriptor FROM exported)) AS valid_after_tampering
FROM decisions;
