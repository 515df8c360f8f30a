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

-- errors: a document that breaks a rule names its JSON path; calibration is refused
SELECT zkml_register_model('bad', '{"format":"zkml-trees-v1","features":["a"],"transform":"identity","trees":[{"left":[1,-1],"right":[5,-1],"feature":[0,0],"threshold":[1,0],"default_left":[true,true],"value":[0,1]}]}');
SELECT zkml_register_model('bad', '{"format":"zkml-trees-v1","features":["a"],"transform":"identity","trees":[{"left":[1,-1,-1],"right":[2,-1,-1],"feature":[0,0,0],"threshold":["NaN",0,0],"default_left":[true,true,true],"value":[0,1,2]}]}');
SELECT zkml_register_model('bad', '{"learner":{"objective":{"name":"multi:softprob"}}}');
SELECT zkml_register_model('bad', :'tiny', calibration => ARRAY[[1.0, 2.0]]);
SELECT zkml_register_model('bad', '{"format":"zkml-trees-v2"}');
SELECT zkml_score('xgb', ARRAY[1, 2, 3]);
SELECT count(*) AS no_bad_model FROM zkml_models WHERE name = 'bad';
