-- The demo: install the extension, ask its version, run the self-test.  The extension
-- lives in its own schema, zkml; this session finds its functions there.
CREATE EXTENSION zkml;
SET search_path = "$user", public, zkml;

SELECT zkml_version();

-- Threads a session may use for proofs (default: the number of cores, at most 8).
SHOW zkml.threads;

-- The known-answer checks of the cryptographic core, run inside the server.
SELECT * FROM zkml_self_test();

-- Ten more rounds with a single thread: every check must pass in every round.
SET zkml.threads = 1;
SELECT bool_and(ok) AS all_passed, count(*) AS checks FROM zkml_self_test(10);

-- People: an administrator and a loan officer at the lender, an auditor at the regulator.
-- Each acts through the role zkml gives its job (README, "Security").
RESET zkml.threads;
CREATE ROLE lender_admin LOGIN IN ROLE zkml_admin;
CREATE ROLE loan_officer LOGIN IN ROLE zkml_prover;
CREATE ROLE regulator LOGIN IN ROLE zkml_auditor;
CREATE DATABASE lender;
CREATE DATABASE audit;
-- Sessions in both databases find zkml's functions without the schema's name.
ALTER DATABASE lender SET search_path = "$user", public, zkml;
ALTER DATABASE audit SET search_path = "$user", public, zkml;

-- ===================================================================================
-- At the lender.
\c lender
CREATE EXTENSION zkml;

-- The administrator registers a credit model trained on real data: a logistic regression
-- on the German Credit data (tests/fixtures/make_credit.py), exported from scikit-learn
-- as a float model document.  zkml quantizes it with 200 calibration rows and reports
-- the error against the float model.  The document (its weights) reaches the server as a
-- large object, not in the statement's text, which the server may log (README, "Security").
CREATE TABLE calibration (id serial PRIMARY KEY, features float8[]);
\copy calibration(features) FROM PROGRAM 'tail -n +2 credit.calibration.csv | sed -e "s/^/{/" -e "s/$/}/"'
GRANT SELECT ON calibration TO lender_admin;
SET ROLE lender_admin;
\lo_import credit_lr20.float.json
SELECT name, version, digest,
       jsonb_pretty(report - 'inputs' - 'layers' - 'q_search') AS report
FROM zkml_register_model('credit', convert_from(lo_get(:LASTOID), 'UTF8')::jsonb,
                         (SELECT array_agg(features ORDER BY id) FROM calibration));
\lo_unlink :LASTOID
-- The report stays with the version, for model risk review; created_by is who registered.
SELECT name, version, shapes, verify_only, current, created_by FROM zkml_models;
SELECT name, version, target_max_error, target_met, calibration_rows,
       round(calibration_max_abs_error::numeric, 5) AS calibration_max_abs_error
FROM zkml_model_reports;
RESET ROLE;

-- Two days of applications (held-out rows of the same data).
CREATE TABLE applications (id int PRIMARY KEY, decision_date date, features float8[]);
CREATE TEMP TABLE holdout (n serial, features float8[]);
\copy holdout(features) FROM PROGRAM 'tail -n +2 credit.holdout.csv | sed -e "s/^/{/" -e "s/$/}/"'
INSERT INTO applications
SELECT 1000 + n, date '2026-11-23' + (n > 20)::int, features FROM holdout WHERE n <= 40;
GRANT SELECT ON applications TO loan_officer;
CREATE TABLE decisions (decision_date date PRIMARY KEY, receipt bytea NOT NULL);
GRANT INSERT ON decisions TO loan_officer;

-- The loan officer scores the applications, and proves each day's decisions in one
-- receipt: every row named by its application id, bound into the proof.
SET ROLE loan_officer;
SELECT id, decision_date, round(zkml_score('credit', features)::numeric, 4) AS probability
FROM applications ORDER BY id LIMIT 5;
SET zkml.log_progress = on;
-- 'credit@1' pins the version: a later registration of 'credit' does not move it.  The
-- context binds the decision date into each day's receipt.
INSERT INTO decisions
SELECT decision_date, zkml_prove_batch('credit@1', id::text, features,
                                       'credit decisions of ' || decision_date ORDER BY id)
FROM applications GROUP BY decision_date;
RESET zkml.log_progress;
RESET ROLE;

-- Receipts that keep the applicants' data inside the lender: the second day's decisions
-- proven again with inputs => 'committed'.  That receipt holds one commitment per
-- application and no feature (docs/protocol.md 7.19-7.20); the lender can later open the
-- rows a regulator asks about, and only those.
CREATE TABLE hidden_decisions (decision_date date PRIMARY KEY, receipt bytea NOT NULL,
                               opening bytea);
GRANT SELECT, INSERT, UPDATE ON hidden_decisions TO loan_officer;
SET ROLE loan_officer;
INSERT INTO hidden_decisions (decision_date, receipt)
SELECT decision_date, zkml_prove_batch('credit@1', id::text, features,
                                       'credit decisions of ' || decision_date, 'committed'
                                       ORDER BY id)
FROM applications WHERE decision_date = '2026-11-24' GROUP BY decision_date;
-- The regulator asks about application 1030: the loan officer opens that row alone (the
-- blinds come from the model's secret seed, which only the lender holds).
UPDATE hidden_decisions h
SET opening = (SELECT zkml_open_rows('credit@1', h.receipt, a.id::text, a.features)
               FROM applications a WHERE a.id = 1030);
SELECT decision_date, zkml_receipt_info(receipt)->>'inputs' AS inputs,
       length(receipt) AS receipt_bytes, length(opening) AS opening_bytes
FROM hidden_decisions;
RESET ROLE;

-- Beside the logistic regression, the model a credit-risk team trains most often:
-- gradient-boosted trees.  XGBoost's 100 trees of depth 6 on the same data
-- (tests/fixtures/trees/make_trees.py), its own JSON model (save_model("model.json"))
-- registered as it is: zkml recognizes the document, keeps every threshold exact and
-- commits to the nodes (docs/protocol.md 15, 16).  Thresholds, structure and leaves stay
-- hidden; the number of trees, the depth and the features are public.
SET ROLE lender_admin;
\lo_import xgb100.json
SELECT name, version, digest
FROM zkml_register_model('credit_xgb', convert_from(lo_get(:LASTOID), 'UTF8')::jsonb);
\lo_unlink :LASTOID
SELECT name, version, kind, shapes FROM zkml_models ORDER BY name, version;
RESET ROLE;

-- Both models score the same applications; the ensemble's decisions of four of them
-- are proven in one receipt, which verifies like any other.
SET ROLE loan_officer;
SELECT id, round(zkml_score('credit', features)::numeric, 4) AS logistic_regression,
       round(zkml_score('credit_xgb', features)::numeric, 4) AS xgboost
FROM applications ORDER BY id LIMIT 5;
SELECT (zkml_receipt_info(r)->>'rows')::int AS rows,
       (zkml_receipt_info(r)->>'proof_bytes')::int AS proof_bytes, zkml_verify(r) AS valid
FROM (SELECT zkml_prove_batch('credit_xgb', id::text, features,
                              'xgboost decisions' ORDER BY id) AS r
      FROM applications WHERE id <= 1004) s;
-- The weights stay out of reach: the loan officer cannot read the catalog.
\set ON_ERROR_STOP 0
SELECT count(*) FROM zkml.model_secrets;
\set ON_ERROR_STOP 1
RESET ROLE;
SELECT decision_date, zkml_receipt_info(receipt) - 'model_digest' AS receipt
FROM decisions ORDER BY decision_date;

-- What leaves the lender: the model's public descriptor and the receipts, as files.
\copy (SELECT 'credit', zkml_model_public('credit')) TO 'credit.descriptor'
\copy decisions TO 'decisions.copy'
\copy hidden_decisions TO 'hidden_decisions.copy'

-- ===================================================================================
-- At the regulator, in another database: no weights, only what the lender sent.
\c audit
CREATE EXTENSION zkml;
CREATE TEMP TABLE received (name text, descriptor bytea);
\copy received FROM 'credit.descriptor'
GRANT SELECT ON received TO regulator;
-- The regulator imports the descriptor itself (zkml_auditor may import, not register).
SET ROLE regulator;
SELECT i.* FROM received r, zkml_import_model_public('lender-credit', r.descriptor) i;
RESET ROLE;
CREATE TABLE decisions (decision_date date PRIMARY KEY, receipt bytea NOT NULL);
\copy decisions FROM 'decisions.copy'
CREATE TABLE hidden_decisions (decision_date date PRIMARY KEY, receipt bytea NOT NULL,
                               opening bytea);
\copy hidden_decisions FROM 'hidden_decisions.copy'
-- The regulator's own copy of the applications (from the same source files).
CREATE TABLE applications (id int PRIMARY KEY, features float8[]);
CREATE TEMP TABLE holdout (n serial, features float8[]);
\copy holdout(features) FROM PROGRAM 'tail -n +2 credit.holdout.csv | sed -e "s/^/{/" -e "s/$/}/"'
INSERT INTO applications SELECT 1000 + n, features FROM holdout WHERE n <= 40;
-- the spread of each feature over the regulator's applications
CREATE TABLE feature_scale AS
SELECT k, greatest(max(v) - min(v), 1e-9) AS scale
FROM applications, unnest(features) WITH ORDINALITY AS f(v, k) GROUP BY k;
GRANT SELECT ON decisions, hidden_decisions, applications, feature_scale TO regulator;

SET ROLE regulator;
SELECT decision_date, zkml_verify(receipt) AS valid,
       (zkml_receipt_info(receipt)->>'rows')::int AS rows
FROM decisions ORDER BY decision_date;
-- A receipt changed in transit does not verify, and says why; a damaged one too, without
-- stopping the query.
SELECT (zkml_verify_detail(set_byte(receipt, length(receipt) - 100,
                                    get_byte(receipt, length(receipt) - 100) # 1),
                           zkml_model_public('lender-credit'))).*
FROM decisions WHERE decision_date = '2026-11-23';
SELECT decision_date, (zkml_verify_detail(set_byte(receipt, 55, get_byte(receipt, 55) # 1))).*
FROM decisions ORDER BY decision_date;
-- The proven scores, joined with the regulator's own applications: every row the
-- receipts name is an application it knows, with the features it has: the receipt holds
-- them as the model quantized them (12 bits over each feature's quantized range), so they
-- differ from the regulator's by a small fraction of each feature's spread.
SELECT d.decision_date, count(*) AS rows, count(a.id) AS known_applications,
       round(max(diff.rel)::numeric, 4) AS max_difference_over_feature_scale,
       round(avg(r.score)::numeric, 4) AS mean_probability
FROM decisions d
     CROSS JOIN LATERAL zkml_receipt_rows(d.receipt) r
     LEFT JOIN applications a ON a.id = r.row_key::int
     LEFT JOIN LATERAL (SELECT max(abs(f.v - a.features[f.k]) / s.scale) AS rel
                        FROM unnest(r.features) WITH ORDINALITY AS f(v, k)
                        JOIN feature_scale s ON s.k = f.k) diff ON true
GROUP BY d.decision_date ORDER BY d.decision_date;
SELECT r.row_key AS application, round(r.score::numeric, 4) AS proven_probability
FROM decisions d, zkml_receipt_rows(d.receipt) r
ORDER BY r.row_key::int LIMIT 5;
-- The receipt with hidden rows verifies like the others; its rows give each application's
-- key and proven score, and features only for the row the lender opened, which the
-- opening shows to be the committed one.
SELECT decision_date, zkml_verify(receipt) AS valid,
       zkml_verify_opening(receipt, zkml_model_public('lender-credit'), opening) AS opening_checks
FROM hidden_decisions;
SELECT count(*) AS rows, count(r.features) AS rows_with_features,
       min(r.row_key) FILTER (WHERE r.features IS NOT NULL) AS opened_application
FROM hidden_decisions h,
     zkml_receipt_rows(h.receipt, zkml_model_public('lender-credit'), h.opening) r;
-- The regulator can verify, not score or prove.
\set ON_ERROR_STOP 0
SELECT zkml_score('lender-credit', (SELECT features FROM applications LIMIT 1));
\set ON_ERROR_STOP 1
RESET ROLE;
