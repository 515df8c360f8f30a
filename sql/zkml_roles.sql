--
-- Roles: zkml_admin registers and drops, zkml_prover scores and proves, zkml_auditor
-- verifies; nobody but the extension owner reads weights, by any path.
--
SET search_path = public, zkml;   -- the extension's objects are in schema zkml
\set tiny '{"format":"zkml-quantized-v1","layers":[{"weights":[[3,-2,1]],"bias":[5],"M":1,"s":1,"Q":10,"limb_bits":8,"activation":{"kind":"identity"}}],"inputs":[{"scale":0.5},{"scale":0.25,"zero_point":2},{"scale":1}],"outputs":[{"scale":0.125}]}'
CREATE ROLE zkml_test_admin IN ROLE zkml_admin;
CREATE ROLE zkml_test_prover IN ROLE zkml_prover;
CREATE ROLE zkml_test_auditor IN ROLE zkml_auditor;
CREATE ROLE zkml_test_nobody;
GRANT USAGE ON SCHEMA public TO zkml_test_admin, zkml_test_prover, zkml_test_auditor, zkml_test_nobody;
CREATE TEMP TABLE receipts (r bytea);
GRANT ALL ON receipts TO PUBLIC;

SET ROLE zkml_test_admin;
SELECT name, version FROM zkml_register_model('roles', :'tiny');
SELECT zkml_score('roles', ARRAY[2.0, 1.0, -3.0]);
RESET ROLE;

SET ROLE zkml_test_prover;
SELECT zkml_score('roles', ARRAY[2.0, 1.0, -3.0]);
INSERT INTO receipts SELECT zkml_prove('roles', ARRAY[2.0, 1.0, -3.0]);
SELECT name, version FROM zkml_models;
SELECT zkml_register_model('roles2', :'tiny');
SELECT zkml_drop_model('roles');
SELECT * FROM zkml.model_secrets;
RESET ROLE;

SET ROLE zkml_test_auditor;
SELECT zkml_verify(r) FROM receipts;
SELECT (zkml_verify_detail(r)).* FROM receipts;
SELECT row_key IS NULL AS no_key, features, score FROM receipts, zkml_receipt_rows(r);
SELECT length(zkml_model_public('roles')) > 0 AS can_export;
SELECT name, version, shapes FROM zkml_models;
SELECT zkml_score('roles', ARRAY[2.0, 1.0, -3.0]);
SELECT zkml_prove('roles', ARRAY[2.0, 1.0, -3.0]);
SELECT zkml_prove_batch('roles', 'k', ARRAY[2.0, 1.0, -3.0]);
SELECT zkml_register_model('roles2', :'tiny');
SELECT * FROM zkml.model_secrets;
SELECT * FROM zkml.models;
SELECT zkml.keygen('{}');
RESET ROLE;

SET ROLE zkml_test_nobody;
SELECT zkml_verify(r) FROM receipts;
SELECT count(*) FROM zkml_models;
SELECT zkml_score('roles', ARRAY[2.0, 1.0, -3.0]);
RESET ROLE;

-- no function hands out the key file or weights: their result types
SELECT p.oid::regprocedure AS function, pg_catalog.format_type(p.prorettype, NULL) AS returns,
       p.prosecdef AS security_definer
FROM pg_proc p
WHERE p.pronamespace = 'zkml'::regnamespace AND p.proname LIKE 'zkml\_%'
ORDER BY 1;

SELECT zkml_drop_model('roles');
REVOKE USAGE ON SCHEMA public FROM zkml_test_admin, zkml_test_prover, zkml_test_auditor, zkml_test_nobody;
DROP ROLE zkml_test_admin, zkml_test_prover, zkml_test_auditor, zkml_test_nobody;
