--
-- One model on many servers: a model version's key file leaves with
-- zkml_export_model_key and comes back with zkml_import_model_key, superuser only,
-- with the same digest, so that receipts made before and after verify alike.
--
SET search_path = public, zkml;   -- the extension's objects are in schema zkml
\set tiny '{"format":"zkml-quantized-v1","layers":[{"weights":[[3,-2,1]],"bias":[5],"M":1,"s":1,"Q":10,"limb_bits":8,"activation":{"kind":"identity"}}],"inputs":[{"scale":0.5},{"scale":0.25,"zero_point":2},{"scale":1}],"outputs":[{"scale":0.125}]}'
CREATE ROLE zkml_shard_admin IN ROLE zkml_admin;
CREATE ROLE zkml_shard_prover IN ROLE zkml_prover;
CREATE ROLE zkml_shard_auditor IN ROLE zkml_auditor;
CREATE ROLE zkml_shard_granted;
CREATE ROLE zkml_shard_nobody;
GRANT USAGE ON SCHEMA public TO zkml_shard_admin, zkml_shard_prover, zkml_shard_auditor,
    zkml_shard_granted, zkml_shard_nobody;
CREATE TABLE shard_keys (name text, k bytea);
CREATE TABLE shard_receipts (r bytea);
GRANT ALL ON shard_keys, shard_receipts TO PUBLIC;

SELECT name, version FROM zkml_register_model('shardkey', :'tiny');
SELECT name, version FROM zkml_register_model('shardkey', :'tiny');   -- version 2, another seed
CREATE TEMP TABLE digests AS SELECT version, digest FROM zkml_models WHERE name = 'shardkey';
INSERT INTO shard_receipts SELECT zkml_prove('shardkey', ARRAY[2.0, 1.0, -3.0], 'before');

-- the superuser exports: the latest version by default, or the one asked for; the bytes
-- are the key file of the zkml command (magic ZKMLKEY1), distinct per version
INSERT INTO shard_keys SELECT 'latest', zkml_export_model_key('shardkey');
INSERT INTO shard_keys SELECT 'v1', zkml_export_model_key('shardkey', 1);
INSERT INTO shard_keys SELECT 'v2', zkml_export_model_key('shardkey', version => 2);
SELECT name, substring(k FROM 1 FOR 8) AS magic, length(k) > 40 AS has_weights FROM shard_keys ORDER BY name;
SELECT (SELECT k FROM shard_keys WHERE name = 'latest') = (SELECT k FROM shard_keys WHERE name = 'v2') AS latest_is_v2,
       (SELECT k FROM shard_keys WHERE name = 'v1') <> (SELECT k FROM shard_keys WHERE name = 'v2') AS versions_differ;

-- refused to every role that is not a superuser, naming the role needed
SET ROLE zkml_shard_admin;
SELECT zkml_export_model_key('shardkey');
SELECT * FROM zkml_import_model_key('copied', (SELECT k FROM shard_keys WHERE name = 'v1'));
RESET ROLE;
SET ROLE zkml_shard_prover;
SELECT zkml_export_model_key('shardkey');
SELECT * FROM zkml_import_model_key('copied', (SELECT k FROM shard_keys WHERE name = 'v1'));
RESET ROLE;
SET ROLE zkml_shard_auditor;
SELECT zkml_export_model_key('shardkey');
SELECT * FROM zkml_import_model_key('copied', (SELECT k FROM shard_keys WHERE name = 'v1'));
RESET ROLE;
-- EXECUTE granted outright does not help: the function checks the caller
GRANT EXECUTE ON FUNCTION zkml_export_model_key(text, int), zkml_import_model_key(text, bytea, int)
    TO zkml_shard_granted;
SET ROLE zkml_shard_granted;
SELECT zkml_export_model_key('shardkey');
SELECT * FROM zkml_import_model_key('copied', (SELECT k FROM shard_keys WHERE name = 'v1'));
RESET ROLE;
REVOKE EXECUTE ON FUNCTION zkml_export_model_key(text, int), zkml_import_model_key(text, bytea, int)
    FROM zkml_shard_granted;
SET ROLE zkml_shard_nobody;
SELECT zkml_export_model_key('shardkey');
RESET ROLE;
SELECT count(*) AS models_named_copied FROM zkml.models WHERE name = 'copied';

-- errors of the arguments
SELECT zkml_export_model_key('no such model');
SELECT zkml_export_model_key('shardkey', 9);
SELECT zkml_export_model_key('shardkey', 0);
SELECT zkml_export_model_key('');
SELECT zkml_export_model_key(NULL);
SELECT * FROM zkml_import_model_key('x', '\x00'::bytea);
SELECT * FROM zkml_import_model_key('x', (SELECT k FROM shard_keys WHERE name = 'v1') || '\x00'::bytea);
SELECT * FROM zkml_import_model_key('x', zkml_model_public('shardkey'));
SELECT * FROM zkml_import_model_key('x', NULL);
SELECT * FROM zkml_import_model_key(repeat('n', 64), (SELECT k FROM shard_keys WHERE name = 'v1'));
SELECT * FROM zkml_import_model_key('x', (SELECT k FROM shard_keys WHERE name = 'v1'), 0);
-- a model that is here already, under any name (terse: the detail gives the digest,
-- which differs from run to run)
\set VERBOSITY terse
SELECT * FROM zkml_import_model_key('x', (SELECT k FROM shard_keys WHERE name = 'v1'));
\set VERBOSITY default

-- a verify-only model has no key to export
CREATE TEMP TABLE pub AS SELECT zkml_model_public('shardkey', 1) AS p;
SELECT zkml_drop_model('shardkey', 1);
SELECT name, version FROM zkml_import_model_public('shardkey_pub', (SELECT p FROM pub));
SELECT zkml_export_model_key('shardkey_pub');
-- nor may its key be imported over it: drop it first
\set VERBOSITY terse
SELECT * FROM zkml_import_model_key('shardkey', (SELECT k FROM shard_keys WHERE name = 'v1'));
\set VERBOSITY default
SELECT zkml_drop_model('shardkey_pub');

-- the round trip: version 1 comes back as version 1, with its digest; the receipt made
-- before verifies, and it proves and scores again
SELECT name, version, digest = (SELECT d.digest FROM digests d WHERE d.version = 1) AS same_digest
FROM zkml_import_model_key('shardkey', (SELECT k FROM shard_keys WHERE name = 'v1'), 1);
\set VERBOSITY terse
SELECT * FROM zkml_import_model_key('shardkey', (SELECT k FROM shard_keys WHERE name = 'v1'), 1);
\set VERBOSITY default
SELECT zkml_export_model_key('shardkey', 1) = (SELECT k FROM shard_keys WHERE name = 'v1') AS same_key_file;
SELECT name, version, verify_only, digest = (SELECT d.digest FROM digests d WHERE d.version = m.version) AS same_digest
FROM zkml_models m WHERE name = 'shardkey' ORDER BY version;
-- version 2 again, without a version: the next one (2 again), the latest, which
-- zkml_prove takes
SELECT zkml_drop_model('shardkey', 2);
-- (not as a version that is taken)
SELECT * FROM zkml_import_model_key('shardkey', (SELECT k FROM shard_keys WHERE name = 'v2'), 1);
SELECT name, version, digest = (SELECT d.digest FROM digests d WHERE d.version = 2) AS same_digest
FROM zkml_import_model_key('shardkey', (SELECT k FROM shard_keys WHERE name = 'v2'));
SELECT zkml_verify(r) FROM shard_receipts;
SELECT zkml_score('shardkey', ARRAY[2.0, 1.0, -3.0]);
INSERT INTO shard_receipts SELECT zkml_prove('shardkey', ARRAY[2.0, 1.0, -3.0], 'after');
SELECT zkml_receipt_info(r)->>'context' AS context, zkml_verify(r),
       zkml_receipt_info(r)->>'model_digest' = (SELECT d.digest FROM digests d WHERE d.version = 2) AS names_v2
FROM shard_receipts ORDER BY 1;
-- the prover proves with an imported key like with a registered one
SET ROLE zkml_shard_prover;
SELECT zkml_verify(zkml_prove('shardkey', ARRAY[1.0, 1.0, 1.0]));
RESET ROLE;

SELECT zkml_drop_model('shardkey');
DROP TABLE shard_keys, shard_receipts;
REVOKE USAGE ON SCHEMA public FROM zkml_shard_admin, zkml_shard_prover, zkml_shard_auditor,
    zkml_shard_granted, zkml_shard_nobody;
DROP ROLE zkml_shard_admin, zkml_shard_prover, zkml_shard_auditor, zkml_shard_granted,
    zkml_shard_nobody;
