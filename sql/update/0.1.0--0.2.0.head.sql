/* zkml--0.1.0--0.2.0.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "ALTER EXTENSION zkml UPDATE" to load this file. \quit

-- 0.1.0 put its entry points in the schema of CREATE EXTENSION (@extschema@ below, public
-- unless WITH SCHEMA said otherwise) and its catalog in schema zkml, which its script
-- created (so that schema is a member of the extension).  0.2.0 keeps every object in
-- schema zkml, which the extension lives in without owning it.  This script makes the
-- database what a fresh 0.2.0 install gives, keeping the catalog's rows and the OIDs of
-- the objects it keeps (a user's views, BEGIN ATOMIC functions, defaults, constraints,
-- indexes and grants that use them go on working, and then name schema zkml):
--   1. refuse, before anything changes, what it cannot move (the whole update rolls back);
--   2. drop the 0.1.0 objects whose signature 0.2.0 changes (the user's grants on them
--      are given again on their successors); move the others to zkml with
--      ALTER ... SET SCHEMA; make schema zkml the extension's schema;
--   3. the table changes of 0.2.0;
--   4. every definition of 0.2.0 (the text of zkml--0.2.0.sql from its roles on, with
--      CREATE OR REPLACE), its grants and comments;
--   5. the extension's initial privileges as a fresh install records them.
-- tests/t/009_alter_update.pl compares the result with a fresh install, object by object.

-- ---------------------------------------------------------------------------------
-- 1. Refusals.
DO $refuse$
DECLARE
    ext pg_catalog.oid := (SELECT e.oid FROM pg_catalog.pg_extension e
                           WHERE e.extname OPERATOR(pg_catalog.=) 'zkml');
    zkml_nsp pg_catalog.oid := pg_catalog.to_regnamespace('zkml');
    list pg_catalog.text;
BEGIN
    IF zkml_nsp IS NULL OR '@extschema@' OPERATOR(pg_catalog.=) 'zkml' THEN
        RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
            MESSAGE = 'this database''s zkml 0.1.0 has no schema zkml beside its own',
            DETAIL = 'zkml 0.1.0 keeps its catalog in schema zkml, which its CREATE EXTENSION created.',
            HINT = 'Move the database with a dump instead (README, "From 0.1.0").';
    END IF;
    -- as zkml--0.2.0.sql: the owner of schema zkml could replace what zkml's
    -- SECURITY DEFINER functions call
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace n
                   JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) n.nspowner
                   WHERE n.oid OPERATOR(pg_catalog.=) zkml_nsp AND r.rolsuper) THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'schema zkml must belong to a superuser',
            DETAIL = 'Its owner is not a superuser; that owner could replace the extension''s functions.',
            HINT = 'Make a superuser its owner (ALTER SCHEMA zkml OWNER TO ...), then update again.';
    END IF;

    -- A user's object in schema zkml named like one of 0.2.0's would take, or stand beside,
    -- a name that 0.2.0's functions and its users' calls resolve.
    SELECT pg_catalog.string_agg(d.obj, ', ' ORDER BY d.obj) INTO list
    FROM (SELECT pg_catalog.pg_describe_object('pg_catalog.pg_proc'::pg_catalog.regclass, p.oid, 0) AS obj,
                 'pg_catalog.pg_proc'::pg_catalog.regclass AS cls, p.oid, p.proname AS name
          FROM pg_catalog.pg_proc p WHERE p.pronamespace OPERATOR(pg_catalog.=) zkml_nsp
          UNION ALL
          SELECT pg_catalog.pg_describe_object('pg_catalog.pg_class'::pg_catalog.regclass, c.oid, 0),
                 'pg_catalog.pg_class'::pg_catalog.regclass, c.oid, c.relname
          FROM pg_catalog.pg_class c WHERE c.relnamespace OPERATOR(pg_catalog.=) zkml_nsp
          UNION ALL
          SELECT pg_catalog.pg_describe_object('pg_catalog.pg_type'::pg_catalog.regclass, t.oid, 0),
                 'pg_catalog.pg_type'::pg_catalog.regclass, t.oid, t.typname
          FROM pg_catalog.pg_type t WHERE t.typnamespace OPERATOR(pg_catalog.=) zkml_nsp
            AND t.typrelid OPERATOR(pg_catalog.=) 0 AND t.typelem OPERATOR(pg_catalog.=) 0) d
    WHERE d.name OPERATOR(pg_catalog.=) ANY (ARRAY[
            'check_name', 'check_new_name', 'drop_model', 'hide_statement_in_log',
            'import_model_public', 'keygen', 'model_ref', 'next_version', 'open_rows_final',
            'open_rows_step', 'proof_progress', 'prove_batch_final', 'prove_batch_step',
            'public_info', 'quantize', 'quantizer_options', 'receipt_digest', 'register_model',
            'require_privilege', 'zkml_drop_model', 'zkml_evaluate', 'zkml_export_model_key',
            'zkml_import_model_key', 'zkml_import_model_public', 'zkml_model_public',
            'zkml_open_rows', 'zkml_prove', 'zkml_prove_batch', 'zkml_receipt_info',
            'zkml_receipt_rows', 'zkml_register_model', 'zkml_score', 'zkml_self_test',
            'zkml_verify', 'zkml_verify_detail', 'zkml_verify_opening', 'zkml_version',
            'models', 'model_secrets', 'zkml_models', 'zkml_model_reports',
            'zkml_proof_progress']::pg_catalog.name[])
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                      WHERE e.classid OPERATOR(pg_catalog.=) d.cls AND e.objid OPERATOR(pg_catalog.=) d.oid
                        AND e.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass
                        AND e.refobjid OPERATOR(pg_catalog.=) ext
                        AND e.deptype OPERATOR(pg_catalog.=) 'e');
    IF list IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'duplicate_object',
            MESSAGE = 'schema zkml holds objects of its own named like zkml 0.2.0''s',
            DETAIL = pg_catalog.format('Not part of the extension: %s.', list),
            HINT = 'Rename them or move them to another schema (ALTER ... RENAME TO, ALTER ... SET SCHEMA), then update again.';
    END IF;

    -- 0.2.0 takes model names of 1 to 63 bytes (as PostgreSQL's own names); 0.1.0 took 200
    SELECT pg_catalog.string_agg(pg_catalog.format('%s (%s bytes)',
               pg_catalog.quote_literal(pg_catalog.left(m.name, 20) OPERATOR(pg_catalog.||) '...'),
               pg_catalog.octet_length(m.name)), ', ') INTO list
    FROM (SELECT DISTINCT name FROM zkml.models) m
    WHERE pg_catalog.octet_length(m.name) OPERATOR(pg_catalog.>) 63;
    IF list IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_name',
            MESSAGE = 'models with names longer than 63 bytes are registered here; zkml 0.2.0 takes 1 to 63',
            DETAIL = pg_catalog.format('Models: %s.', list),
            HINT = 'A superuser can rename them (UPDATE zkml.models SET name = ... WHERE name = ...; receipts name models by digest, not by name), then update again.';
    END IF;

    -- 0.2.0 changes the signatures of these: they are dropped and created again, which a
    -- user's object that uses them would not survive.  Refused with the list rather than
    -- dropped with them.  (The user's grants on them are carried over: section 2.)
    SELECT pg_catalog.string_agg(DISTINCT pg_catalog.format('%s (uses %s)',
               pg_catalog.pg_describe_object(u.classid, u.objid, 0),
               pg_catalog.pg_describe_object(u.refclassid, u.refobjid, 0)), '; ') INTO list
    FROM (SELECT CASE WHEN d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::pg_catalog.regclass
                      THEN 'pg_catalog.pg_class'::pg_catalog.regclass ELSE d.classid END AS classid,
                 CASE WHEN d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::pg_catalog.regclass
                      THEN (SELECT r.ev_class FROM pg_catalog.pg_rewrite r WHERE r.oid OPERATOR(pg_catalog.=) d.objid)
                      ELSE d.objid END AS objid,
                 d.refclassid, d.refobjid
          FROM pg_catalog.pg_depend d
          WHERE d.deptype OPERATOR(pg_catalog.=) 'n'
            AND ((d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
                  AND d.refobjid OPERATOR(pg_catalog.=) ANY (ARRAY[
                      pg_catalog.to_regprocedure('@extschema@.zkml_register_model(pg_catalog.text, pg_catalog.jsonb, pg_catalog.float8[], pg_catalog.jsonb)'),
                      pg_catalog.to_regprocedure('@extschema@.zkml_prove(pg_catalog.text, pg_catalog.float8[], pg_catalog.text)'),
                      pg_catalog.to_regprocedure('@extschema@.zkml_verify_detail(pg_catalog.bytea, pg_catalog.bytea)'),
                      pg_catalog.to_regprocedure('@extschema@.zkml_verify_detail(pg_catalog.bytea)'),
                      pg_catalog.to_regprocedure('zkml.quantize(pg_catalog.text, pg_catalog.float8[], pg_catalog.jsonb)')]::pg_catalog.oid[]))
                 OR (d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                     AND d.refobjid OPERATOR(pg_catalog.=) pg_catalog.to_regclass('@extschema@.zkml_models')))) u
    WHERE NOT (u.classid OPERATOR(pg_catalog.=) u.refclassid AND u.objid OPERATOR(pg_catalog.=) u.refobjid)
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                      WHERE e.classid OPERATOR(pg_catalog.=) u.classid AND e.objid OPERATOR(pg_catalog.=) u.objid
                        AND e.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass
                        AND e.refobjid OPERATOR(pg_catalog.=) ext
                        AND e.deptype OPERATOR(pg_catalog.=) 'e');
    IF list IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'dependent_objects_still_exist',
            MESSAGE = 'objects of this database use zkml 0.1.0 objects that 0.2.0 replaces',
            DETAIL = pg_catalog.format('%s.  In 0.2.0 zkml_register_model takes holdout rows, zkml_prove an inputs argument, zkml_verify_detail returns a detail column, and view zkml_models has columns kind and current.', list),
            HINT = 'Drop those objects (pg_dump --schema-only keeps their definitions), update, then create them again.';
    END IF;
END
$refuse$;

-- ---------------------------------------------------------------------------------
-- 2. The objects.  Those whose signature or row type 0.2.0 changes go (nothing of the
-- user's uses them: checked above); section 4 creates them as 0.2.0 has them.
-- What the user granted on them to roles of its own is granted again on their 0.2.0
-- successors at the end of section 4; until then the statements wait in a setting local
-- to this transaction.
DO $grants$
DECLARE
    stmts pg_catalog.text;
BEGIN
    SELECT pg_catalog.string_agg(pg_catalog.format('GRANT %s ON %s TO %I%s', a.privilege_type, o.successor,
               r.rolname, CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END), '; ')
    INTO stmts
    FROM (SELECT p.proowner AS owner, p.proacl AS acl, t.successor
          FROM (VALUES
                ('@extschema@.zkml_register_model(pg_catalog.text, pg_catalog.jsonb, pg_catalog.float8[], pg_catalog.jsonb)',
                 'FUNCTION zkml.zkml_register_model(pg_catalog.text, pg_catalog.jsonb, pg_catalog.float8[], pg_catalog.jsonb, pg_catalog.float8[], pg_catalog.float8[])'),
                ('@extschema@.zkml_prove(pg_catalog.text, pg_catalog.float8[], pg_catalog.text)',
                 'FUNCTION zkml.zkml_prove(pg_catalog.text, pg_catalog.float8[], pg_catalog.text, pg_catalog.text)'),
                ('@extschema@.zkml_verify_detail(pg_catalog.bytea, pg_catalog.bytea)',
                 'FUNCTION zkml.zkml_verify_detail(pg_catalog.bytea, pg_catalog.bytea)'),
                ('@extschema@.zkml_verify_detail(pg_catalog.bytea)',
                 'FUNCTION zkml.zkml_verify_detail(pg_catalog.bytea)'),
                ('zkml.quantize(pg_catalog.text, pg_catalog.float8[], pg_catalog.jsonb)',
                 'FUNCTION zkml.quantize(pg_catalog.text, pg_catalog.float8[], pg_catalog.jsonb, pg_catalog.float8[])')) t(old, successor)
          JOIN pg_catalog.pg_proc p ON p.oid OPERATOR(pg_catalog.=) pg_catalog.to_regprocedure(t.old)
          UNION ALL
          SELECT c.relowner, c.relacl, 'TABLE zkml.zkml_models'
          FROM pg_catalog.pg_class c
          WHERE c.oid OPERATOR(pg_catalog.=) pg_catalog.to_regclass('@extschema@.zkml_models')) o,
         LATERAL pg_catalog.aclexplode(o.acl) a
         JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) a.grantee
    WHERE a.grantee OPERATOR(pg_catalog.<>) o.owner
      AND r.rolname OPERATOR(pg_catalog.<>) ALL (ARRAY['zkml_admin', 'zkml_prover', 'zkml_auditor']::pg_catalog.name[]);
    PERFORM pg_catalog.set_config('zkml_update.user_grants', COALESCE(stmts, ''), true);
END
$grants$;

DROP VIEW @extschema@.zkml_models;
DROP FUNCTION @extschema@.zkml_register_model(pg_catalog.text, pg_catalog.jsonb, pg_catalog.float8[], pg_catalog.jsonb);
DROP FUNCTION @extschema@.zkml_prove(pg_catalog.text, pg_catalog.float8[], pg_catalog.text);
DROP FUNCTION @extschema@.zkml_verify_detail(pg_catalog.bytea);
DROP FUNCTION @extschema@.zkml_verify_detail(pg_catalog.bytea, pg_catalog.bytea);
DROP FUNCTION zkml.quantize(pg_catalog.text, pg_catalog.float8[], pg_catalog.jsonb);

-- The others move to schema zkml with their OIDs: what refers to them by OID (a view, a
-- BEGIN ATOMIC body, a default, a grant) follows.
ALTER FUNCTION @extschema@.zkml_version() SET SCHEMA zkml;
ALTER FUNCTION @extschema@.zkml_self_test(pg_catalog.int4) SET SCHEMA zkml;
ALTER FUNCTION @extschema@.zkml_import_model_public(pg_catalog.text, pg_catalog.bytea) SET SCHEMA zkml;
ALTER FUNCTION @extschema@.zkml_drop_model(pg_catalog.text, pg_catalog.int4) SET SCHEMA zkml;
ALTER FUNCTION @extschema@.zkml_model_public(pg_catalog.text, pg_catalog.int4) SET SCHEMA zkml;
ALTER FUNCTION @extschema@.zkml_score(pg_catalog.text, pg_catalog.float8[]) SET SCHEMA zkml;
ALTER AGGREGATE @extschema@.zkml_prove_batch(pg_catalog.text, pg_catalog.text, pg_catalog.float8[]) SET SCHEMA zkml;
ALTER FUNCTION @extschema@.zkml_verify(pg_catalog.bytea, pg_catalog.bytea) SET SCHEMA zkml;
ALTER FUNCTION @extschema@.zkml_verify(pg_catalog.bytea) SET SCHEMA zkml;
ALTER FUNCTION @extschema@.zkml_receipt_info(pg_catalog.bytea) SET SCHEMA zkml;
ALTER FUNCTION @extschema@.zkml_receipt_rows(pg_catalog.bytea, pg_catalog.bytea) SET SCHEMA zkml;
ALTER FUNCTION @extschema@.zkml_receipt_rows(pg_catalog.bytea) SET SCHEMA zkml;

-- Schema zkml: 0.1.0's script created it, so it is a member; 0.2.0's is created by
-- CREATE EXTENSION for the extension to live in (zkml--0.2.0.control), and is not.
ALTER EXTENSION zkml DROP SCHEMA zkml;

-- The extension's own schema becomes zkml, as CREATE EXTENSION records it: in
-- pg_extension.extnamespace (pg_dump's CREATE EXTENSION ... WITH SCHEMA, @extschema@ of
-- later updates) and in the extension's dependency on its schema.  PostgreSQL has no
-- command for this: ALTER EXTENSION ... SET SCHEMA refuses an extension that is not
-- relocatable, and one whose objects lie in two schemas, as 0.1.0's do.  So these two
-- catalog rows, and nothing else, are updated directly (this script runs as a superuser).
UPDATE pg_catalog.pg_extension
SET extnamespace = pg_catalog.to_regnamespace('zkml')::pg_catalog.oid
WHERE extname OPERATOR(pg_catalog.=) 'zkml';
UPDATE pg_catalog.pg_depend
SET refobjid = pg_catalog.to_regnamespace('zkml')::pg_catalog.oid
WHERE classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass
  AND objid OPERATOR(pg_catalog.=) (SELECT e.oid FROM pg_catalog.pg_extension e
                                    WHERE e.extname OPERATOR(pg_catalog.=) 'zkml')
  AND refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_namespace'::pg_catalog.regclass
  AND refobjid OPERATOR(pg_catalog.=) pg_catalog.to_regnamespace('@extschema@')::pg_catalog.oid
  AND deptype OPERATOR(pg_catalog.=) 'n';

-- ---------------------------------------------------------------------------------
-- 3. The catalog tables, their rows kept: names of 1 to 63 bytes (checked above), and
-- the quantization report of each version (NULL for the models of 0.1.0).
ALTER TABLE zkml.models DROP CONSTRAINT models_name_check;
ALTER TABLE zkml.models ADD CONSTRAINT models_name_check
    CHECK (pg_catalog.octet_length(name) BETWEEN 1 AND 63);
ALTER TABLE zkml.models ADD COLUMN report pg_catalog.jsonb DEFAULT NULL;

-- The privileges that 0.1.0 gave its functions go; section 4 gives 0.2.0's (a user's
-- own grants to other roles stay).
DO $privileges$
DECLARE
    f pg_catalog.regprocedure;
BEGIN
    FOR f IN SELECT p.oid FROM pg_catalog.pg_proc p
             JOIN pg_catalog.pg_depend e ON e.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
                  AND e.objid OPERATOR(pg_catalog.=) p.oid
                  AND e.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass
                  AND e.deptype OPERATOR(pg_catalog.=) 'e'
             JOIN pg_catalog.pg_extension x ON x.oid OPERATOR(pg_catalog.=) e.refobjid
                  AND x.extname OPERATOR(pg_catalog.=) 'zkml'
             WHERE p.proacl IS NOT NULL LOOP
        EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s FROM PUBLIC, zkml_admin, zkml_prover, zkml_auditor', f);
    END LOOP;
END
$privileges$;

-- ---------------------------------------------------------------------------------
-- 4. The definitions of 0.2.0: the text of zkml--0.2.0.sql from its schema privileges on,
-- its catalog tables left out (section 3), with CREATE OR REPLACE; make writes it here
-- (tools/update_script.awk).  The end of section 4 and section 5 follow it
-- (sql/update/0.1.0--0.2.0.tail.sql).
