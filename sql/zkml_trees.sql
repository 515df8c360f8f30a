--
-- Tree ensembles (docs/protocol.md 15, 16): an XGBoost JSON model and a zkml-trees-v1 document
-- registered, scored against the library's own predictions, proven and verified, with
-- missing values (NULL or NaN) following each node's default direction; and the errors.
--
SET search_path = public, zkml;   -- the extension's objects are in schema zkml
\set xgb `cat tests/fixtures/trees/xgb_reglog.json`
\set rf `cat tests/fixtures/trees/rf.json`
\set tiny '{"format":"zkml-trees-v1","features":["a","b"],"transform":"identity","trees":[{"left":[1,-1,-1],"right":[2,-1,-1],"feature":[1,0,0],"threshold":[2.5,0,0],"default_left":[false,false,false],"value":[0,-0.25,0.75]}]}'

-- registration: XGBoost's JSON model is recognized by its top-level "learner"
SELECT name, version, report FROM zkml_register_model('xgb', :'xgb');
SELECT name, version, report FROM zkml_register_model('rf', :'rf');
SELECT name, version, report FROM zkml_register_model('tiny_trees', :'tiny');
SELECT name, kind, shapes, verify_only FROM zkml_models
WHERE name IN ('xgb', 'rf', 'tiny_trees') ORDER BY name;

-- scores: every fixture row within 1e-4 of XGBoost's predict_proba, empty fields as NULL
CREATE TEMP TABLE gaps (n serial, x float8[]);
\copy gaps(x) FROM PROGRAM 'tail -n +2 tests/fixtures/trees/credit_gaps.rows.csv | sed -e "s/,,/,NULL,/g" -e "s/,,/,NULL,/g" -e "s/^,/NULL,/" -e "s/,$/,NULL/" -e "s/^/{/" -e "s/$/}/"'
CREATE TEMP TABLE xgb_expected (n serial, y float8);
\copy xgb_expected(y) FROM PROGRAM 'cut -d, -f1 tests/fixtures/trees/xgb_reglog.expected.csv'
SELECT count(*) AS rows, bool_or(array_position(x, NULL) IS NOT NULL) AS some_missing,
       max(abs(zkml_score('xgb', x) - y)) < 1e-4 AS within_1e_4
FROM gaps JOIN xgb_expected USING (n);
CREATE TEMP TABLE credit (n serial, x float8[]);
\copy credit(x) FROM PROGRAM 'tail -n +2 tests/fixtures/trees/credit.rows.csv | sed -e "s/^/{/" -e "s/$/}/"'
CREATE TEMP TABLE rf_expected (n serial, y float8);
\copy rf_expected(y) FROM PROGRAM 'cut -d, -f1 tests/fixtures/trees/rf.expected.csv'
SELECT count(*) AS rows, max(abs(zkml_score('rf', x) - y)) < 1e-4 AS within_1e_4
FROM credit JOIN rf_expected USING (n);

-- missing values: NULL and NaN are the same missing value; the tiny tree sends it right
SELECT zkml_score('tiny_trees', ARRAY[0, 1]) AS left_leaf,
       zkml_score('tiny_trees', ARRAY[0, 3]) AS right_leaf,
       zkml_score('tiny_trees', ARRAY[0, NULL]) AS null_goes_right,
       zkml_score('tiny_trees', ARRAY[0, 'NaN'::float8]) AS nan_goes_right;

-- proofs: one row, and a batch of 16 with missing values; verified, and tampered
CREATE TEMP TABLE receipts AS
SELECT zkml_prove('tiny_trees', ARRAY[0, NULL], 'audit 1') AS one,
       (SELECT zkml_prove_batch('xgb', n::text, x ORDER BY n) FROM gaps WHERE n <= 16) AS batch;
SELECT zkml_verify(one) AS one_valid, zkml_verify(batch) AS batch_valid,
       zkml_verify(batch, zkml_model_public('xgb')) AS batch_valid_with_descriptor
FROM receipts;
SELECT (zkml_verify_detail(one, zkml_model_public('xgb'))).ok AS other_model FROM receipts;
SELECT zkml_verify(set_byte(batch, length(batch) - 40, get_byte(batch, length(batch) - 40) # 1))
       AS tampered
FROM receipts;
SELECT (info->>'rows')::int AS rows, (info->>'proof_bytes')::int > 0 AS has_proof
FROM (SELECT zkml_receipt_info(batch) AS info FROM receipts) s;

-- committed inputs (docs/protocol.md 16.10): 8 rows with missing values proven with their
-- keys committed; the receipt verifies; one row opened and checked, and
-- zkml_receipt_rows shows that row's features only, the same the public receipt states
CREATE TEMP TABLE tree_committed AS
SELECT (SELECT zkml_prove_batch('xgb', n::text, x, 'day 1', 'committed' ORDER BY n)
        FROM gaps WHERE n <= 8) AS r, NULL::bytea AS opening;
SELECT zkml_verify(r) AS valid, zkml_receipt_info(r)->>'format' AS format,
       zkml_receipt_info(r)->>'inputs' AS inputs, (zkml_receipt_info(r)->>'rows')::int AS rows
FROM tree_committed;
UPDATE tree_committed SET opening = (SELECT zkml_open_rows('xgb', r, n::text, x) FROM gaps WHERE n = 3);
SELECT zkml_verify_opening(r, zkml_model_public('xgb'), opening) AS opening_checks
FROM tree_committed;
SELECT f.row_key, f.features IS NOT NULL AS has_features,
       f.features = (SELECT g.features FROM receipts,
                     zkml_receipt_rows(batch, zkml_model_public('xgb')) g
                     WHERE g.row_key = f.row_key) AS features_as_public,
       f.score = (SELECT g.score FROM receipts,
                  zkml_receipt_rows(batch, zkml_model_public('xgb')) g
                  WHERE g.row_key = f.row_key) AS score_as_public
FROM tree_committed, zkml_receipt_rows(r, zkml_model_public('xgb'), opening) f
ORDER BY f.row_key::int;
-- the opening does not check as another row's (its index rewritten to row 4)
SELECT zkml_verify_opening(r, zkml_model_public('xgb'),
                           overlay(opening PLACING '\x03000000'::bytea FROM 49 FOR 4)) AS as_row_4
FROM tree_committed;

-- a day's book in parts (docs/protocol.md 16.4, 12.10): 7 rows in parts of 3, public and
-- committed inputs, each one receipt of 3 proofs that verifies and reads back in order
SET zkml.rows_per_proof = 3;
CREATE TEMP TABLE tree_parts AS
SELECT (SELECT zkml_prove_batch('xgb', n::text, x, 'day 2' ORDER BY n)
        FROM gaps WHERE n <= 7) AS p,
       (SELECT zkml_prove_batch('xgb', n::text, x, 'day 2', 'committed' ORDER BY n)
        FROM gaps WHERE n <= 7) AS c;
RESET zkml.rows_per_proof;
SELECT zkml_verify(p) AS public_valid, zkml_verify(c) AS committed_valid,
       zkml_receipt_info(p)->'part_rows' AS part_rows, zkml_receipt_info(c)->>'format' AS format
FROM tree_parts;
SELECT array_agg(f.row_key ORDER BY ord) AS keys,
       bool_and(abs(f.score - zkml_score('xgb', g.x)) < 1e-9) AS scores_as_scored
FROM tree_parts, zkml_receipt_rows(p, zkml_model_public('xgb')) WITH ORDINALITY f(row_key, features, score, ord)
JOIN gaps g ON g.n = f.row_key::int;

-- errors: a document that breaks a rule names its JSON path; calibration is refused
SELECT zkml_register_model('bad', '{"format":"zkml-trees-v1","features":["a"],"transform":"identity","trees":[{"left":[1,-1],"right":[5,-1],"feature":[0,0],"threshold":[1,0],"default_left":[true,true],"value":[0,1]}]}');
SELECT zkml_register_model('bad', '{"format":"zkml-trees-v1","features":["a"],"transform":"identity","trees":[{"left":[1,-1,-1],"right":[2,-1,-1],"feature":[0,0,0],"threshold":["NaN",0,0],"default_left":[true,true,true],"value":[0,1,2]}]}');
SELECT zkml_register_model('bad', '{"learner":{"objective":{"name":"multi:softprob"}}}');
SELECT zkml_register_model('bad', :'tiny', calibration => ARRAY[[1.0, 2.0]]);
SELECT zkml_register_model('bad', '{"format":"zkml-trees-v2"}');
SELECT zkml_score('xgb', ARRAY[1, 2, 3]);
SELECT count(*) AS no_bad_model FROM zkml_models WHERE name = 'bad';
