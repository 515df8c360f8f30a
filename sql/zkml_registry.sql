--
-- The model registry: register, versions, zkml_models, public descriptors, import,
-- scoring, proving and verifying, and every error path.
--
SET search_path = public, zkml;   -- the extension's objects are in schema zkml
\set tiny '{"format":"zkml-quantized-v1","layers":[{"weights":[[3,-2,1]],"bias":[5],"M":1,"s":1,"Q":10,"limb_bits":8,"activation":{"kind":"identity"}}],"inputs":[{"scale":0.5},{"scale":0.25,"zero_point":2},{"scale":1}],"outputs":[{"scale":0.125}]}'
\set lr20 `cat tests/fixtures/lr20.q.json`

SELECT name, version, length(digest) AS digest_hex_length, report
FROM zkml_register_model('tiny', :'tiny');
-- registering the name again makes version 2 (a new seed, a new digest)
SELECT name, version FROM zkml_register_model('tiny', :'tiny');
SELECT name, version, shapes, verify_only, created_by = current_user AS by_me
FROM zkml_models ORDER BY name, version;
SELECT count(DISTINCT digest) AS digests FROM zkml_models;

-- scoring: features 2.0, 1.0, -3.0 quantize to 4, 6, -3; 3·4 - 2·6 - 3 + 5 = 2;
-- y = floor((2 + 1) / 2) = 1; the score is 1 · 0.125
SELECT zkml_score('tiny', ARRAY[2.0, 1.0, -3.0]);
-- saturation: a feature far out of range takes the edge of its integer range
SELECT zkml_score('tiny', ARRAY[1e9, 0, 0]) = zkml_score('tiny', ARRAY[63.5, 0, 0]) AS saturates;

-- the lr20 fixture: scores are the zkml command's outputs (tests/fixtures/lr20.expected.csv), dequantized
SELECT version FROM zkml_register_model('lr20', :'lr20');
CREATE TEMP TABLE lr20_rows (i int, x float8[]);
\copy lr20_rows(x) FROM PROGRAM 'tail -n +2 tests/fixtures/lr20.rows.csv | sed -e "s/^/{/" -e "s/$/}/"'
CREATE TEMP TABLE lr20_expected (y int);
\copy lr20_expected FROM PROGRAM 'tail -n +2 tests/fixtures/lr20.expected.csv'
SELECT count(*) AS rows,
       bool_and(s = e.y / 32768.0) AS all_equal     -- the output scale is 1/32768
FROM (SELECT row_number() OVER () AS n, zkml_score('lr20', x) AS s FROM lr20_rows) a
JOIN (SELECT row_number() OVER () AS n, y FROM lr20_expected) e USING (n);

-- a version 2 quantized document (docs/protocol.md 12.6) is taken as it is too: the same
-- model with its scales folded into the weights, scores within a step of version 1's
\set lr20v2 `cat tests/fixtures/lr20v2.q.json`
SELECT name, version, report FROM zkml_register_model('lr20v2', :'lr20v2');
SELECT count(*) AS rows,
       max(abs(zkml_score('lr20v2', x) - zkml_score('lr20', x))) < 0.01 AS close_to_v1,
       bool_and(zkml_verify(zkml_prove('lr20v2', x))) AS all_valid
FROM lr20_rows;
SELECT zkml_drop_model('lr20v2');

-- proving and verifying
CREATE TEMP TABLE receipts AS
SELECT zkml_prove('tiny', ARRAY[2.0, 1.0, -3.0], 'audit 7') AS r;
SELECT zkml_verify(r) AS valid_here,
       zkml_verify(r, zkml_model_public('tiny')) AS valid_with_descriptor,
       zkml_verify(r, zkml_model_public('tiny', 1)) AS valid_with_version_1
FROM receipts;
SELECT d.ok, d.reason, d.detail ~ '^The receipt names model digest [0-9a-f]{64}; the descriptor''s digest is [0-9a-f]{64}\.$' AS detail_names_both
FROM receipts, zkml_verify_detail(r, zkml_model_public('tiny', 1)) d;
SELECT (zkml_verify_detail(r)).* FROM receipts;
SELECT info - 'model_digest' - 'proof_bytes' - 'receipt_bytes' AS info,
       (info->>'proof_bytes')::int > 0 AS has_proof
FROM (SELECT zkml_receipt_info(r) AS info FROM receipts) s;
-- one input changed (byte 67: the first quantized input): the proof no longer holds
SELECT zkml_verify(set_byte(r, 67, get_byte(r, 67) # 1)) AS tampered,
       (zkml_verify_detail(set_byte(r, 67, get_byte(r, 67) # 1), zkml_model_public('tiny'))).ok
FROM receipts;

-- another model's descriptor: false, with the reason
SELECT zkml_verify(r, zkml_model_public('lr20')) AS other_model,
       (zkml_verify_detail(r, zkml_model_public('lr20'))).reason
FROM receipts;

-- export and import: the descriptor of a dropped model, imported as verify-only under
-- another name, still verifies its receipts, and cannot score
CREATE TEMP TABLE lr20_export AS
SELECT zkml_model_public('lr20') AS pub,
       zkml_prove('lr20', (SELECT x FROM lr20_rows LIMIT 1)) AS r;
SELECT zkml_drop_model('lr20');
SELECT zkml_verify(r) IS NULL AS unknown_model FROM lr20_export;
SELECT d.ok, d.reason, d.detail ~ '^The receipt names model digest [0-9a-f]{64}; ' AS detail_names_digest
FROM lr20_export, zkml_verify_detail(r) d;
SELECT name, version FROM zkml_import_model_public('lr20-audit', (SELECT pub FROM lr20_export));
SELECT zkml_verify(r) AS valid_after_import FROM lr20_export;
SELECT zkml_score('lr20-audit', (SELECT x FROM lr20_rows LIMIT 1));
SELECT name, verify_only FROM zkml_models ORDER BY name, version;

-- errors
SELECT zkml_score('nope', ARRAY[1.0]);
SELECT zkml_score('tiny', ARRAY[1.0, 2.0]);
SELECT zkml_score('tiny', ARRAY[1.0, 'NaN', 3.0]);
SELECT zkml_score('tiny', ARRAY[1.0, NULL, 3.0]);
SELECT zkml_score('tiny', ARRAY[[1.0, 2.0, 3.0]]);
SELECT zkml_register_model('bad', '{"format":"zkml-float-v1"}');
SELECT zkml_register_model('bad', '{"format":"zkml-quantized-v1","layers":[]}');
SELECT zkml_register_model('bad', '{"format":"zkml-quantized-v1","layers":[{"weights":[[1]],"bias":[0],"M":1,"s":1,"activation":{"kind":"softmax"}}]}');
SELECT zkml_register_model('bad', '{"format":"zkml-quantized-v1","layers":[{"weights":[[1,2]],"bias":[0],"M":1,"s":1,"activation":{"kind":"relu"}},{"weights":[[1,2]],"bias":[0],"M":1,"s":1,"activation":{"kind":"relu"}}]}');
SELECT zkml_register_model('bad', :'tiny', ARRAY[1.0]);
SELECT count(*) AS nothing_left_behind FROM zkml_models WHERE name = 'bad';
\set VERBOSITY terse
SELECT zkml_import_model_public('dup', zkml_model_public('tiny'));     -- its detail names the digest
\set VERBOSITY default
SELECT zkml_import_model_public('junk', '\x00'::bytea);
SELECT zkml_verify('\x0102'::bytea);
SELECT zkml_verify(r, '\x00'::bytea) FROM receipts;
SELECT zkml_receipt_info(substr(r, 1, 100)) FROM receipts;
SELECT zkml_drop_model('nope');
SELECT zkml_model_public('nope');

-- dropping: one version, then the name
SELECT zkml_drop_model('tiny', 1);
SELECT name, version FROM zkml_models ORDER BY name, version;
SELECT zkml_drop_model('tiny');
SELECT zkml_drop_model('lr20-audit');
SELECT count(*) AS models FROM zkml_models;

-- Batches: one receipt for a group of rows, each named by its key; zkml_receipt_rows gives
-- the rows back (dequantized), so an auditor can join them with its own copy.
SELECT version FROM zkml_register_model('lr20', :'lr20');
CREATE TEMP TABLE apps AS
SELECT 'app-' || n AS id, x, CASE WHEN n <= 10 THEN '2026-11-24' ELSE '2026-11-25' END AS day
FROM (SELECT row_number() OVER () AS n, x FROM lr20_rows) s;
CREATE TEMP TABLE day_receipts AS
SELECT day, zkml_prove_batch('lr20', id, x ORDER BY id) AS r FROM apps GROUP BY day;
SELECT day, zkml_verify(r) AS valid, (zkml_receipt_info(r)->>'rows')::int AS rows,
       (zkml_receipt_info(r)->>'rows_with_keys')::int AS keyed
FROM day_receipts ORDER BY day;
-- every row comes back with its key, its features and the score zkml_score gives
SELECT count(*) AS rows,
       bool_and(rr.features = a.x) AS same_features,
       bool_and(rr.score = zkml_score('lr20', a.x)) AS same_scores
FROM day_receipts d, zkml_receipt_rows(d.r) rr JOIN apps a ON a.id = rr.row_key;
-- the batch limit
SET zkml.max_batch_rows = 3;
SELECT zkml_prove_batch('lr20', id, x) FROM apps;
RESET zkml.max_batch_rows;
-- a row key or a context beyond the receipt's limits
SELECT zkml_prove_batch('lr20', repeat('k', 4097), x) FROM apps;
SELECT zkml_prove('lr20', (SELECT x FROM apps LIMIT 1), repeat('c', 65537));
-- the memory limit, checked before a proof starts (the smallest setting refuses any)
SHOW zkml.max_proof_memory;
SET zkml.max_proof_memory = '64MB';
SELECT zkml_prove_batch('lr20', id, x) FROM apps;
SELECT zkml_prove('lr20', (SELECT x FROM apps LIMIT 1));
SET zkml.max_proof_memory = '1MB';
RESET zkml.max_proof_memory;
SELECT zkml_prove_batch(n, 'k', array_fill(0::float8, ARRAY[20]))
FROM (VALUES ('lr20'), ('tiny')) v(n);
SELECT zkml_prove_batch('lr20', 'k', NULL);
SELECT zkml_drop_model('lr20');

-- A float model trained on real credit data (German Credit, tests/fixtures/make_credit.py):
-- registered with its calibration rows, quantized by zkml; the report states the error
-- against the float model, and the scores stay within 0.01 of the float predictions.
\set credit `cat tests/fixtures/credit_lr20.float.json`
CREATE TEMP TABLE credit_cal (x float8[]);
\copy credit_cal FROM PROGRAM 'tail -n +2 tests/fixtures/credit.calibration.csv | sed -e "s/^/{/" -e "s/$/}/"'
CREATE TEMP TABLE credit_float (p float8);
\copy credit_float FROM PROGRAM 'tail -n +2 tests/fixtures/credit_lr20.calibration.expected.csv'
SELECT name, version, report->>'format' AS report,
       (report->'calibration'->>'rows')::int AS calibration_rows,
       (report->'calibration'->>'max_abs_error')::float8 < 0.01 AS within_target,
       report->>'target_met' AS target_met
FROM zkml_register_model('credit', :'credit', (SELECT array_agg(x) FROM credit_cal));
SELECT count(*) AS rows, max(abs(s - f.p)) < 0.01 AS scores_within_001
FROM (SELECT row_number() OVER () AS n, zkml_score('credit', x) AS s FROM credit_cal) a
JOIN (SELECT row_number() OVER () AS n, p FROM credit_float) f USING (n);
SELECT zkml_verify(zkml_prove('credit', (SELECT x FROM credit_cal LIMIT 1))) AS proven;
SELECT zkml_register_model('bad', :'credit', ARRAY[1.0, 2.0]);
SELECT zkml_register_model('bad', :'credit', NULL, '{"no_such_option": 1}');
SELECT zkml_register_model('bad', '{"format":"zkml-float-v1","features":["a"],"layers":[{"weights":[[1,2]],"bias":[0],"activation":"sigmoid"}]}');
SELECT zkml_drop_model('credit');

-- The multilayer perceptron trained on the same data (its shapes below): the
-- same bound on the calibration rows, and on the 200 held-out applications as well.
\set credit_mlp `cat tests/fixtures/credit_mlp20.float.json`
CREATE TEMP TABLE credit_mlp_float (p float8);
\copy credit_mlp_float FROM PROGRAM 'tail -n +2 tests/fixtures/credit_mlp20.calibration.expected.csv'
CREATE TEMP TABLE credit_holdout (x float8[]);
\copy credit_holdout FROM PROGRAM 'tail -n +2 tests/fixtures/credit.holdout.csv | sed -e "s/^/{/" -e "s/$/}/"'
CREATE TEMP TABLE credit_mlp_holdout_float (p float8);
\copy credit_mlp_holdout_float FROM PROGRAM 'tail -n +2 tests/fixtures/credit_mlp20.holdout.expected.csv'
SELECT name, version, report->>'target_met' AS target_met,
       (report->'calibration'->>'max_abs_error')::float8 < 0.01 AS within_target
FROM zkml_register_model('credit_mlp', :'credit_mlp', (SELECT array_agg(x) FROM credit_cal));
SELECT shapes FROM zkml_models WHERE name = 'credit_mlp';
SELECT 'calibration' AS rows, count(*), max(abs(s - f.p)) < 0.01 AS scores_within_001
FROM (SELECT row_number() OVER () AS n, zkml_score('credit_mlp', x) AS s FROM credit_cal) a
JOIN (SELECT row_number() OVER () AS n, p FROM credit_mlp_float) f USING (n)
UNION ALL
SELECT 'holdout', count(*), max(abs(s - f.p)) < 0.01
FROM (SELECT row_number() OVER () AS n, zkml_score('credit_mlp', x) AS s FROM credit_holdout) a
JOIN (SELECT row_number() OVER () AS n, p FROM credit_mlp_holdout_float) f USING (n);
SELECT zkml_verify(zkml_prove_batch('credit_mlp', n::text, x ORDER BY n)) AS batch_proven
FROM (SELECT row_number() OVER () AS n, x FROM credit_holdout) h;
SELECT zkml_drop_model('credit_mlp');
