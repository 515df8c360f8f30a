--
-- zkml_proof_progress without zkml in shared_preload_libraries (this suite's server):
-- an error that says so, not an empty answer; the view is for the three zkml roles.
-- zkml_score, zkml_prove and zkml_prove_batch refuse a caller without zkml_prover with a
-- hint naming the role, and read the catalog as the extension owner whatever the
-- caller's search_path.
--
SET search_path = public, zkml;
\set tiny '{"format":"zkml-quantized-v1","layers":[{"weights":[[3,-2,1]],"bias":[5],"M":1,"s":1,"Q":10,"limb_bits":8,"activation":{"kind":"identity"}}],"inputs":[{"scale":0.5},{"scale":0.25,"zero_point":2},{"scale":1}],"outputs":[{"scale":0.125}]}'
SELECT name, version FROM zkml_register_model('progress', :'tiny');

SELECT * FROM zkml_proof_progress;

CREATE ROLE zkml_test_watcher IN ROLE zkml_auditor;
CREATE ROLE zkml_test_stranger;
CREATE ROLE zkml_test_scorer IN ROLE zkml_prover;
SET ROLE zkml_test_watcher;
SELECT count(*) FROM zkml_proof_progress;
RESET ROLE;
SET ROLE zkml_test_stranger;
SELECT count(*) FROM zkml_proof_progress;
SELECT count(*) FROM zkml.proof_progress();

-- refused, with the role to grant
SELECT zkml_score('progress', ARRAY[2.0, 1.0, -3.0]);
SELECT zkml_prove('progress', ARRAY[2.0, 1.0, -3.0]);
SELECT zkml_prove_batch('progress', 'k', ARRAY[2.0, 1.0, -3.0]);
SELECT zkml_prove_batch('progress', 'k', ARRAY[2.0, 1.0, -3.0], 'day 1');
-- refused before the model is looked up: nothing said of which models exist
SELECT zkml_score('no such model', ARRAY[2.0, 1.0, -3.0]);
RESET ROLE;
SET ROLE zkml_test_watcher;
SELECT zkml_score('progress', ARRAY[2.0, 1.0, -3.0]);
RESET ROLE;

-- a prover's own search_path, with an operator of its own in front of pg_catalog's,
-- changes nothing of how the catalog is read as the owner
CREATE SCHEMA zkml_test_trap AUTHORIZATION zkml_test_scorer;
SET ROLE zkml_test_scorer;
CREATE FUNCTION zkml_test_trap.text_eq(a text, b text) RETURNS bool LANGUAGE plpgsql AS $f$
BEGIN
    RAISE NOTICE 'trap ran as %', current_user;
    RETURN a OPERATOR(pg_catalog.=) b;
END
$f$;
CREATE OPERATOR zkml_test_trap.= (LEFTARG = text, RIGHTARG = text, FUNCTION = zkml_test_trap.text_eq);
SET search_path = zkml_test_trap, pg_catalog, public, zkml;
SELECT zkml_score('progress', ARRAY[2.0, 1.0, -3.0]);
SELECT zkml_score('progress@1', ARRAY[2.0, 1.0, -3.0]) = zkml_score('progress', ARRAY[2.0, 1.0, -3.0]) AS same;
SELECT length(zkml_prove_batch('progress', 'k', ARRAY[2.0, 1.0, -3.0])) > 0 AS proven;
SELECT zkml_score('no such model', ARRAY[2.0, 1.0, -3.0]);
-- the caller is itself again after the catalog read
SELECT zkml_score('progress', ARRAY[2.0, 1.0, -3.0]) IS NOT NULL AS scored, current_user;
RESET search_path;
RESET ROLE;
SET search_path = public, zkml;

DROP SCHEMA zkml_test_trap CASCADE;
SELECT zkml_drop_model('progress');
DROP ROLE zkml_test_watcher, zkml_test_stranger, zkml_test_scorer;
