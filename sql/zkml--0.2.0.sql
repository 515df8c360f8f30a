/* zkml--0.2.0.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION zkml" to load this file. \quit

-- Everything lives in schema zkml (control file), which CREATE EXTENSION creates for the
-- installing superuser.  Only a superuser may own it: its owner could drop or replace what
-- the SECURITY DEFINER functions call, and read nothing less than the model secrets.  In
-- PostgreSQL 15 the schema public belongs to the database owner, so nothing of zkml is
-- there, and no function body here names an object outside zkml and pg_catalog.
DO $owner$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace n
                   JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) n.nspowner
                   WHERE n.nspname OPERATOR(pg_catalog.=) 'zkml' AND r.rolsuper) THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'schema zkml must belong to a superuser',
            DETAIL = 'It exists already and its owner is not a superuser; that owner could replace the extension''s functions.',
            HINT = 'Drop or rename that schema, then create the extension again: CREATE EXTENSION creates the schema itself.';
    END IF;
END
$owner$;

-- (zkml--0.1.0--0.2.0.sql repeats this script from here on: tools/update_script.awk.)
-- USAGE for PUBLIC, so that zkml_version and zkml_self_test are reachable; every other
-- object of the schema grants its own privileges below, and CREATE stays with the owner.
REVOKE ALL ON SCHEMA zkml FROM PUBLIC;
GRANT USAGE ON SCHEMA zkml TO PUBLIC;

CREATE FUNCTION zkml.zkml_version()
RETURNS pg_catalog.text
AS 'MODULE_PATHNAME', 'zkml_version'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION zkml.zkml_version() IS
'version of the zkml library loaded in this session';

-- VOLATILE: it checks this machine every time it is called, nothing may be cached.
-- PARALLEL SAFE: it touches no database or session state; a parallel worker runs the
-- checks in its own process, with at most zkml.threads threads like any backend.
CREATE FUNCTION zkml.zkml_self_test(iterations pg_catalog.int4 DEFAULT 1)
RETURNS TABLE(check_name pg_catalog.text, ok pg_catalog.bool)
AS 'MODULE_PATHNAME', 'zkml_self_test'
LANGUAGE C VOLATILE STRICT PARALLEL SAFE
ROWS 20;

COMMENT ON FUNCTION zkml.zkml_self_test(pg_catalog.int4) IS
'run the known-answer checks of the cryptographic core; ok is true for a check that passed in every iteration';

-- ---------------------------------------------------------------------------------
-- Roles (cluster-wide; created once, kept when the extension is dropped).
--   zkml_admin    registers, imports and drops models
--   zkml_prover   scores and proves with registered models
--   zkml_auditor  verifies receipts, reads zkml_models, exports public descriptors and
--                 imports them (a verify-only model, to verify in its own database)
-- PUBLIC gets nothing but the entry points that check these roles themselves, so that a
-- refusal can name the role it takes (zkml.require_privilege).
DO $roles$
DECLARE
    r pg_catalog.text;
BEGIN
    FOREACH r IN ARRAY ARRAY['zkml_admin', 'zkml_prover', 'zkml_auditor'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
            EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
END
$roles$;

-- (zkml--0.1.0--0.2.0.sql: not the catalog tables, which it alters.)
-- ---------------------------------------------------------------------------------
-- The catalog.  zkml.models holds what anyone may know of a model (its public file,
-- the verifying key); zkml.model_secrets the key file (weights and blinding seed),
-- readable by the extension owner only: functions that need it are SECURITY DEFINER
-- and never return it.  Both are dumped by pg_dump with the database.
CREATE TABLE zkml.models (
    name pg_catalog.text NOT NULL CHECK (pg_catalog.octet_length(name) BETWEEN 1 AND 63),
    version pg_catalog.int4 NOT NULL CHECK (version >= 1),
    digest pg_catalog.bytea NOT NULL UNIQUE CHECK (pg_catalog.length(digest) = 32),
    public_file pg_catalog.bytea NOT NULL,
    shapes pg_catalog.text NOT NULL,
    n_inputs pg_catalog.int4 NOT NULL,
    n_outputs pg_catalog.int4 NOT NULL,
    verify_only pg_catalog.bool NOT NULL,
    created_at pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by pg_catalog.name NOT NULL DEFAULT CURRENT_USER,
    -- the quantization report of a float model (with the holdout evaluation when the
    -- registration gave holdout rows); NULL for a quantized document, an import, and a
    -- model registered by 0.1.0
    report pg_catalog.jsonb DEFAULT NULL,
    PRIMARY KEY (name, version)
);

CREATE TABLE zkml.model_secrets (
    digest pg_catalog.bytea PRIMARY KEY REFERENCES zkml.models (digest) ON DELETE CASCADE,
    key_file pg_catalog.bytea NOT NULL
);

REVOKE ALL ON zkml.models, zkml.model_secrets FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('zkml.models', '');
SELECT pg_catalog.pg_extension_config_dump('zkml.model_secrets', '');
-- (zkml--0.1.0--0.2.0.sql: the catalog tables end.)

-- Internal: a key file and its public file from a quantized model document.
CREATE FUNCTION zkml.keygen(document pg_catalog.text,
    OUT key_file pg_catalog.bytea, OUT public_file pg_catalog.bytea,
    OUT digest pg_catalog.bytea, OUT shapes pg_catalog.text,
    OUT n_inputs pg_catalog.int4, OUT n_outputs pg_catalog.int4)
AS 'MODULE_PATHNAME', 'zkml_keygen'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
REVOKE ALL ON FUNCTION zkml.keygen(pg_catalog.text) FROM PUBLIC;

-- Internal: a float model document quantized with its calibration rows (quantize.h):
-- the quantized document (it holds the weights) and the report, which measures the
-- holdout rows too when they are given.
CREATE FUNCTION zkml.quantize(document pg_catalog.text, calibration pg_catalog.float8[],
    options pg_catalog.jsonb, holdout pg_catalog.float8[],
    OUT quantized pg_catalog.text, OUT report pg_catalog.jsonb)
AS 'MODULE_PATHNAME', 'zkml_quantize'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
REVOKE ALL ON FUNCTION zkml.quantize(pg_catalog.text, pg_catalog.float8[], pg_catalog.jsonb, pg_catalog.float8[]) FROM PUBLIC;

-- Internal: the facts of a public file (ERROR if it is not one).
CREATE FUNCTION zkml.public_info(public_file pg_catalog.bytea,
    OUT digest pg_catalog.bytea, OUT shapes pg_catalog.text,
    OUT n_inputs pg_catalog.int4, OUT n_outputs pg_catalog.int4)
AS 'MODULE_PATHNAME', 'zkml_public_info'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
REVOKE ALL ON FUNCTION zkml.public_info(pg_catalog.bytea) FROM PUBLIC;

-- Internal: refuse a model name that is empty or longer than 63 bytes (as PostgreSQL's own
-- names), before anything echoes it back.
CREATE FUNCTION zkml.check_name(model_name pg_catalog.text, argument pg_catalog.text)
RETURNS void
AS $check$
BEGIN
    IF pg_catalog.octet_length(model_name) NOT BETWEEN 1 AND 63 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_name',
            MESSAGE = pg_catalog.format('argument "%s" must be a model name of 1 to 63 bytes', argument),
            DETAIL = pg_catalog.format('It has %s bytes.', pg_catalog.octet_length(model_name));
    END IF;
END
$check$
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp;
REVOKE ALL ON FUNCTION zkml.check_name(pg_catalog.text, pg_catalog.text) FROM PUBLIC;

-- Internal: the statement being run carries a model document (weights): until the end of
-- the transaction, an error reported to the server log leaves the statement out.
CREATE FUNCTION zkml.hide_statement_in_log()
RETURNS void
AS 'MODULE_PATHNAME', 'zkml_hide_statement_in_log'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
REVOKE ALL ON FUNCTION zkml.hide_statement_in_log() FROM PUBLIC;

-- Internal: the next version of a name, under a transaction lock on the name, so that two
-- registrations of one name cannot take the same version.
CREATE FUNCTION zkml.next_version(model_name pg_catalog.text)
RETURNS pg_catalog.int4
AS $next$
DECLARE
    v pg_catalog.int4;
BEGIN
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('zkml.models:' OPERATOR(pg_catalog.||) model_name));
    SELECT COALESCE(pg_catalog.max(m.version), 0) OPERATOR(pg_catalog.+) 1 INTO v
    FROM zkml.models m WHERE m.name OPERATOR(pg_catalog.=) model_name;
    RETURN v;
END
$next$
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp;
REVOKE ALL ON FUNCTION zkml.next_version(pg_catalog.text) FROM PUBLIC;

-- Internal: a model reference, "NAME" (the latest version) or "NAME@VERSION" (that
-- version), split; the name checked as check_name does.  A name whose text after its last
-- '@' is not all digits is a name as it stands (one registered by 0.1.0, which allowed
-- '@'); registrations and imports of 0.2.0 refuse '@' in names.
CREATE FUNCTION zkml.model_ref(ref pg_catalog.text, argument pg_catalog.text,
    OUT name pg_catalog.text, OUT version pg_catalog.int4)
AS $ref$
DECLARE
    m pg_catalog.text[];
BEGIN
    m := pg_catalog.regexp_match(ref, '^(.+)@([0-9]+)$');
    IF m IS NULL THEN
        name := ref;
    ELSE
        name := m[1];
        IF pg_catalog.length(m[2]) > 9 OR m[2]::pg_catalog.int4 < 1 THEN
            RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                MESSAGE = pg_catalog.format('argument "%s" names version %s, which no model has', argument, m[2]),
                HINT = 'Versions start at 1; zkml_models lists them.';
        END IF;
        version := m[2]::pg_catalog.int4;
    END IF;
    PERFORM zkml.check_name(name, argument);
END
$ref$
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp;
REVOKE ALL ON FUNCTION zkml.model_ref(pg_catalog.text, pg_catalog.text) FROM PUBLIC;

-- Internal: a name for a new model or an import may not hold '@', which starts a version.
CREATE FUNCTION zkml.check_new_name(model_name pg_catalog.text)
RETURNS void
AS $new$
BEGIN
    PERFORM zkml.check_name(model_name, 'model_name');
    IF pg_catalog.strpos(model_name, '@') > 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_name',
            MESSAGE = 'argument "model_name" must not contain "@"',
            DETAIL = 'NAME@VERSION names one version of a model: zkml_score(''credit@2'', ...).';
    END IF;
END
$new$
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp;
REVOKE ALL ON FUNCTION zkml.check_new_name(pg_catalog.text) FROM PUBLIC;

-- Refuse, with a hint naming the role, a caller who may not run the function behind an
-- entry point.  PostgreSQL's own refusal ("permission denied for function") cannot carry
-- a hint, so entry points that a user of the wrong role is likely to try are executable
-- by PUBLIC and run this first; the function behind them keeps its grants, so the check
-- itself is PostgreSQL's.  SECURITY INVOKER: has_function_privilege asks for the caller.
CREATE FUNCTION zkml.require_privilege(target pg_catalog.regprocedure,
    entry pg_catalog.text, roles pg_catalog.text)
RETURNS pg_catalog.bool
AS $require$
BEGIN
    IF NOT pg_catalog.has_function_privilege(target, 'EXECUTE') THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = pg_catalog.format('permission denied for function %s', entry),
            DETAIL = pg_catalog.format('%s is granted to %s; role %s is not a member.',
                                       entry, roles, pg_catalog.quote_ident(CURRENT_USER::pg_catalog.text)),
            HINT = pg_catalog.format('A superuser can grant it: GRANT %s TO %s;',
                                     pg_catalog.split_part(roles, ' ', 2),
                                     pg_catalog.quote_ident(CURRENT_USER::pg_catalog.text));
    END IF;
    RETURN true;
END
$require$
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp;
GRANT EXECUTE ON FUNCTION zkml.require_privilege(pg_catalog.regprocedure, pg_catalog.text, pg_catalog.text) TO PUBLIC;

COMMENT ON FUNCTION zkml.require_privilege(pg_catalog.regprocedure, pg_catalog.text, pg_catalog.text) IS
'true if the caller may run the function behind an entry point; otherwise an error whose hint names the role to grant';

-- Internal: the options of a registration without the ones zkml_register_model reads
-- itself ("accept_missed_target"), which the quantizer does not know.
CREATE FUNCTION zkml.quantizer_options(options pg_catalog.jsonb)
RETURNS pg_catalog.jsonb
AS $opts$
BEGIN
    IF options IS NULL OR pg_catalog.jsonb_typeof(options) IS DISTINCT FROM 'object' THEN
        RETURN options;
    END IF;
    IF options ? 'accept_missed_target'
       AND pg_catalog.jsonb_typeof(options -> 'accept_missed_target') IS DISTINCT FROM 'boolean' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'argument "options" is not valid',
            DETAIL = '$.accept_missed_target must be true or false.';
    END IF;
    RETURN options - 'accept_missed_target';
END
$opts$
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp;
REVOKE ALL ON FUNCTION zkml.quantizer_options(pg_catalog.jsonb) FROM PUBLIC;

-- Internal: the registration; zkml_register_model checks the caller's role first.
CREATE FUNCTION zkml.register_model(model_name pg_catalog.text,
    model pg_catalog.jsonb,
    calibration pg_catalog.float8[],
    options pg_catalog.jsonb,
    holdout pg_catalog.float8[],
    holdout_labels pg_catalog.float8[],
    OUT name pg_catalog.text, OUT version pg_catalog.int4, OUT digest pg_catalog.text,
    OUT report pg_catalog.jsonb)
AS $register$
DECLARE
    k record;
    q record;
    accept pg_catalog.bool;
    target pg_catalog.float8;
    cal_err pg_catalog.float8;
    hold_err pg_catalog.float8;
BEGIN
    PERFORM zkml.hide_statement_in_log();
    PERFORM zkml.check_new_name(model_name);
    IF holdout_labels IS NOT NULL AND holdout IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'argument "holdout_labels" needs argument "holdout"',
            HINT = 'Give the holdout rows, a row of features per line, and one label (0 or 1) per row.';
    END IF;
    IF model OPERATOR(pg_catalog.->>) 'format' OPERATOR(pg_catalog.=) 'zkml-float-v1' THEN
        q := zkml.quantize(model::pg_catalog.text, calibration, zkml.quantizer_options(options), holdout);
        accept := COALESCE((options -> 'accept_missed_target')::pg_catalog.bool, false);
        k := zkml.keygen(q.quantized);
        report := q.report;
        -- a model that misses its accuracy target is refused unless the options accept it:
        -- on the calibration rows (target_met) and, when given, on the holdout rows
        target := (report ->> 'target_max_error')::pg_catalog.float8;
        cal_err := (report #>> '{calibration,max_abs_error}')::pg_catalog.float8;
        hold_err := (report #>> '{holdout,max_abs_error}')::pg_catalog.float8;
        IF NOT accept AND ((report ->> 'target_met')::pg_catalog.bool IS NOT TRUE
                           OR hold_err > target) THEN
            RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                MESSAGE = pg_catalog.format('model %s misses its accuracy target once quantized',
                                            pg_catalog.quote_literal(model_name)),
                DETAIL = pg_catalog.format('Its largest error against the float model is %s on %s calibration rows%s; the target is %s.',
                    cal_err, report #>> '{calibration,rows}',
                    CASE WHEN hold_err IS NULL THEN ''
                         ELSE pg_catalog.format(' and %s on %s holdout rows', hold_err, report #>> '{holdout,rows}') END,
                    target),
                HINT = 'Give calibration rows that cover the data it will score, set a target it can meet (options {"max_error": ...}), or register it as it is with options {"accept_missed_target": true}.';
        END IF;
        report := report OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
            'accepted_missed_target', accept AND ((report ->> 'target_met')::pg_catalog.bool IS NOT TRUE OR hold_err > target));
    ELSIF model OPERATOR(pg_catalog.->>) 'format' OPERATOR(pg_catalog.=) ANY (ARRAY['zkml-quantized-v1', 'zkml-quantized-v2']) THEN
        IF calibration IS NOT NULL OR options IS DISTINCT FROM '{}'::pg_catalog.jsonb THEN
            RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                MESSAGE = 'calibration and options apply to float models only',
                HINT = 'A quantized document carries its own scales; pass neither.';
        END IF;
        k := zkml.keygen(model::pg_catalog.text);
        report := pg_catalog.jsonb_build_object('format', model OPERATOR(pg_catalog.->>) 'format',
            'quantization', 'given by the document');
    ELSIF model OPERATOR(pg_catalog.->>) 'format' OPERATOR(pg_catalog.=) 'zkml-trees-v1'
          OR (NOT model OPERATOR(pg_catalog.?) 'format' AND model OPERATOR(pg_catalog.?) 'learner') THEN
        -- a tree ensemble: the zkml-trees-v1 document, or XGBoost's JSON model (no
        -- "format", a top-level "learner"); quantized exactly (docs/protocol.md 15.3)
        IF calibration IS NOT NULL OR options IS DISTINCT FROM '{}'::pg_catalog.jsonb THEN
            RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                MESSAGE = 'calibration and options apply to float networks only',
                HINT = 'A tree ensemble is quantized exactly from its thresholds; pass neither.';
        END IF;
        k := zkml.keygen(model::pg_catalog.text);
        report := pg_catalog.jsonb_build_object('format',
            COALESCE(model OPERATOR(pg_catalog.->>) 'format', 'xgboost-json'),
            'quantization', 'exact decisions (docs/protocol.md 15.3)');
    ELSE
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'argument "model" is not a model document',
            DETAIL = pg_catalog.format('$.format is %s; it must be "zkml-float-v1", "zkml-quantized-v1", "zkml-quantized-v2" or "zkml-trees-v1" (or an XGBoost JSON model, with "learner" and no "format").',
                                       COALESCE(pg_catalog.quote_literal(model OPERATOR(pg_catalog.->>) 'format'), 'missing'));
    END IF;
    name := model_name;
    version := zkml.next_version(model_name);
    INSERT INTO zkml.models (name, version, digest, public_file, shapes, n_inputs, n_outputs,
                             verify_only, created_by, report)
    VALUES (name, version, k.digest, k.public_file, k.shapes, k.n_inputs, k.n_outputs, false,
            SESSION_USER, report);
    INSERT INTO zkml.model_secrets (digest, key_file) VALUES (k.digest, k.key_file);
    -- the holdout rows scored by the registered model itself: AUC against the labels,
    -- saturation, rows it cannot take
    IF holdout IS NOT NULL THEN
        report := report OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('holdout_evaluation',
            (SELECT pg_catalog.to_jsonb(e) - 'max_abs_error' - 'mean_abs_error'
             FROM zkml.zkml_evaluate(model_name OPERATOR(pg_catalog.||) '@' OPERATOR(pg_catalog.||) version,
                                holdout, holdout_labels, NULL) e));
        UPDATE zkml.models m SET report = register_model.report
        WHERE m.digest OPERATOR(pg_catalog.=) k.digest;
    END IF;
    digest := pg_catalog.encode(k.digest, 'hex');
    RETURN;
END
$register$
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION zkml.register_model(pg_catalog.text, pg_catalog.jsonb, pg_catalog.float8[], pg_catalog.jsonb, pg_catalog.float8[], pg_catalog.float8[]) IS
'what zkml_register_model runs once the caller''s role is checked';

CREATE FUNCTION zkml.zkml_register_model(model_name pg_catalog.text,
    model pg_catalog.jsonb,
    calibration pg_catalog.float8[] DEFAULT NULL,
    options pg_catalog.jsonb DEFAULT '{}',
    holdout pg_catalog.float8[] DEFAULT NULL,
    holdout_labels pg_catalog.float8[] DEFAULT NULL,
    OUT name pg_catalog.text, OUT version pg_catalog.int4, OUT digest pg_catalog.text,
    OUT report pg_catalog.jsonb)
AS $register$
BEGIN
    PERFORM zkml.require_privilege('zkml.register_model(pg_catalog.text, pg_catalog.jsonb, pg_catalog.float8[], pg_catalog.jsonb, pg_catalog.float8[], pg_catalog.float8[])',
                                   'zkml_register_model', 'role zkml_admin');
    SELECT r.name, r.version, r.digest, r.report INTO name, version, digest, report
    FROM zkml.register_model(model_name, model, calibration, options, holdout, holdout_labels) r;
    RETURN;
END
$register$
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION zkml.zkml_register_model(pg_catalog.text, pg_catalog.jsonb, pg_catalog.float8[], pg_catalog.jsonb, pg_catalog.float8[], pg_catalog.float8[]) IS
'register a model under a name (a new version if the name exists): commits to its weights, stores its quantization report (with the holdout rows'' errors, AUC and saturation) and returns the digest that receipts name';

-- Internal: the import; zkml_import_model_public checks the caller's role first.
CREATE FUNCTION zkml.import_model_public(model_name pg_catalog.text,
    public_file pg_catalog.bytea,
    OUT name pg_catalog.text, OUT version pg_catalog.int4, OUT digest pg_catalog.text)
AS $import$
DECLARE
    p record;
BEGIN
    PERFORM zkml.check_new_name(model_name);
    p := zkml.public_info(public_file);
    IF EXISTS (SELECT 1 FROM zkml.models m WHERE m.digest OPERATOR(pg_catalog.=) p.digest) THEN
        RAISE EXCEPTION USING ERRCODE = 'duplicate_object',
            MESSAGE = 'this model is already in the catalog',
            DETAIL = pg_catalog.format('Its digest is %s.', pg_catalog.encode(p.digest, 'hex'));
    END IF;
    name := model_name;
    version := zkml.next_version(model_name);
    -- an import may not shadow a model proven here: zkml_score and zkml_prove take a
    -- name's latest version, and zkml_verify against zkml_model_public(name) would then
    -- accept the other model's receipts.  Checked after next_version, which holds the
    -- name's lock until the transaction ends.
    IF EXISTS (SELECT 1 FROM zkml.models m WHERE m.name OPERATOR(pg_catalog.=) model_name
               AND NOT m.verify_only) THEN
        RAISE EXCEPTION USING ERRCODE = 'duplicate_object',
            MESSAGE = pg_catalog.format('model %s is registered here with its weights', pg_catalog.quote_literal(model_name)),
            DETAIL = 'An imported descriptor would become its latest version.',
            HINT = 'Import the descriptor under another name.';
    END IF;
    INSERT INTO zkml.models (name, version, digest, public_file, shapes, n_inputs, n_outputs,
                             verify_only, created_by)
    VALUES (name, version, p.digest, public_file, p.shapes, p.n_inputs, p.n_outputs, true,
            SESSION_USER);
    digest := pg_catalog.encode(p.digest, 'hex');
    RETURN;
END
$import$
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION zkml.import_model_public(pg_catalog.text, pg_catalog.bytea) IS
'what zkml_import_model_public runs once the caller''s role is checked';

CREATE FUNCTION zkml.zkml_import_model_public(model_name pg_catalog.text,
    public_file pg_catalog.bytea,
    OUT name pg_catalog.text, OUT version pg_catalog.int4, OUT digest pg_catalog.text)
AS $import$
BEGIN
    PERFORM zkml.require_privilege('zkml.import_model_public(pg_catalog.text, pg_catalog.bytea)',
                                   'zkml_import_model_public', 'role zkml_auditor or zkml_admin');
    SELECT i.name, i.version, i.digest INTO name, version, digest
    FROM zkml.import_model_public(model_name, public_file) i;
    RETURN;
END
$import$
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION zkml.zkml_import_model_public(pg_catalog.text, pg_catalog.bytea) IS
'add a verify-only model from its public descriptor (zkml_model_public of the registering database); for auditors and administrators';

-- Internal: dropping; zkml_drop_model checks the caller's role first.
CREATE FUNCTION zkml.drop_model(name pg_catalog.text, version pg_catalog.int4)
RETURNS pg_catalog.int4
AS $drop$
DECLARE
    n pg_catalog.int4;
    r record;
BEGIN
    r := zkml.model_ref(name, 'name');
    IF r.version IS NOT NULL AND version IS NOT NULL AND r.version <> version THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = pg_catalog.format('argument "name" names version %s and argument "version" is %s', r.version, version);
    END IF;
    r.version := COALESCE(r.version, version);
    DELETE FROM zkml.models m
    WHERE m.name OPERATOR(pg_catalog.=) r.name
      AND (r.version IS NULL OR m.version OPERATOR(pg_catalog.=) r.version);
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n OPERATOR(pg_catalog.=) 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'undefined_object',
            MESSAGE = pg_catalog.format('model %s does not exist', pg_catalog.quote_literal(r.name)
                || CASE WHEN r.version IS NULL THEN '' ELSE pg_catalog.format(' (version %s)', r.version) END);
    END IF;
    RETURN n;
END
$drop$
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION zkml.drop_model(pg_catalog.text, pg_catalog.int4) IS
'what zkml_drop_model runs once the caller''s role is checked';

CREATE FUNCTION zkml.zkml_drop_model(name pg_catalog.text,
    version pg_catalog.int4 DEFAULT NULL)
RETURNS pg_catalog.int4
AS $drop$
BEGIN
    PERFORM zkml.require_privilege('zkml.drop_model(pg_catalog.text, pg_catalog.int4)',
                                   'zkml_drop_model', 'role zkml_admin');
    RETURN zkml.drop_model(name, version);
END
$drop$
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION zkml.zkml_drop_model(pg_catalog.text, pg_catalog.int4) IS
'drop a model (every version, one version given as NAME@VERSION or as argument "version"); returns the number of versions dropped';

CREATE FUNCTION zkml.zkml_model_public(name pg_catalog.text,
    version pg_catalog.int4 DEFAULT NULL)
RETURNS pg_catalog.bytea
AS $public$
DECLARE
    f pg_catalog.bytea;
    r record;
BEGIN
    r := zkml.model_ref(name, 'name');
    IF r.version IS NOT NULL AND version IS NOT NULL AND r.version <> version THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = pg_catalog.format('argument "name" names version %s and argument "version" is %s', r.version, version);
    END IF;
    r.version := COALESCE(r.version, version);
    SELECT m.public_file INTO f FROM zkml.models m
    WHERE m.name OPERATOR(pg_catalog.=) r.name
      AND (r.version IS NULL OR m.version OPERATOR(pg_catalog.=) r.version)
    ORDER BY m.version DESC LIMIT 1;
    IF f IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'undefined_object',
            MESSAGE = pg_catalog.format('model %s does not exist', pg_catalog.quote_literal(r.name)
                || CASE WHEN r.version IS NULL THEN '' ELSE pg_catalog.format(' (version %s)', r.version) END),
            HINT = 'zkml_models lists the models and their versions.';
    END IF;
    RETURN f;
END
$public$
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION zkml.zkml_model_public(pg_catalog.text, pg_catalog.int4) IS
'the public descriptor of a model (its current version, or the one given as NAME@VERSION or as argument "version"): what an auditor needs to verify its receipts';

-- current: the version that "NAME" without "@VERSION" means (the highest); a pinned
-- reference, NAME@VERSION, means the same version forever.
CREATE VIEW zkml.zkml_models AS
SELECT m.name, m.version,
       -- the kind, by the magic of the descriptor the public file carries (after its
       -- own 8-byte magic and the descriptor's 8-byte length)
       CASE pg_catalog.substr(m.public_file, 17, 8)
           WHEN 'ZKMLTE01'::pg_catalog.bytea THEN 'trees'
           ELSE 'dense' END AS kind,
       m.shapes, pg_catalog.encode(m.digest, 'hex') AS digest,
       m.verify_only, m.created_at, m.created_by,
       m.version OPERATOR(pg_catalog.=) pg_catalog.max(m.version) OVER (PARTITION BY m.name) AS current
FROM zkml.models m;

COMMENT ON VIEW zkml.zkml_models IS
'the registered and imported models, every version, their kind (dense or trees) and shapes, and which one is current (what a name without @VERSION means); never their weights';

-- What quantization cost, as the model risk reviewer reads it: the target and the errors
-- against the float model, and the holdout rows scored by the registered model.
CREATE VIEW zkml.zkml_model_reports AS
SELECT m.name, m.version,
       (m.report OPERATOR(pg_catalog.->>) 'target_max_error')::pg_catalog.float8 AS target_max_error,
       (m.report OPERATOR(pg_catalog.->>) 'target_met')::pg_catalog.bool AS target_met,
       (m.report OPERATOR(pg_catalog.->>) 'accepted_missed_target')::pg_catalog.bool AS accepted_missed_target,
       (m.report OPERATOR(pg_catalog.#>>) '{calibration,rows}')::pg_catalog.int4 AS calibration_rows,
       (m.report OPERATOR(pg_catalog.#>>) '{calibration,synthetic}')::pg_catalog.bool AS calibration_synthetic,
       (m.report OPERATOR(pg_catalog.#>>) '{calibration,max_abs_error}')::pg_catalog.float8 AS calibration_max_abs_error,
       (m.report OPERATOR(pg_catalog.#>>) '{calibration,mean_abs_error}')::pg_catalog.float8 AS calibration_mean_abs_error,
       (m.report OPERATOR(pg_catalog.#>>) '{holdout_evaluation,rows}')::pg_catalog.int4 AS holdout_rows,
       (m.report OPERATOR(pg_catalog.#>>) '{holdout,max_abs_error}')::pg_catalog.float8 AS holdout_max_abs_error,
       (m.report OPERATOR(pg_catalog.#>>) '{holdout,mean_abs_error}')::pg_catalog.float8 AS holdout_mean_abs_error,
       (m.report OPERATOR(pg_catalog.#>>) '{holdout_evaluation,auc}')::pg_catalog.float8 AS holdout_auc,
       (m.report OPERATOR(pg_catalog.#>>) '{holdout_evaluation,saturated_share}')::pg_catalog.float8 AS holdout_saturated_share,
       (m.report OPERATOR(pg_catalog.#>>) '{holdout_evaluation,rows_out_of_range}')::pg_catalog.int4 AS holdout_rows_out_of_range,
       m.report
FROM zkml.models m
WHERE m.report IS NOT NULL;

COMMENT ON VIEW zkml.zkml_model_reports IS
'the quantization report stored with each version registered from a float model: target, errors against the float model, holdout AUC and saturation, and the whole report';

-- zkml_score, zkml_prove and zkml_prove_batch are SECURITY INVOKER and executable by
-- PUBLIC: when a call site first opens a model, the C code refuses a caller without
-- zkml_prover with a hint naming the role, and reads the catalog as the extension owner
-- with search_path pinned (src/pg/scoring.c), once per call site rather than per row.
CREATE FUNCTION zkml.zkml_score(name pg_catalog.text, features pg_catalog.float8[])
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'zkml_score'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION zkml.zkml_score(pg_catalog.text, pg_catalog.float8[]) IS
'the score of a model for one row of features (its current version, or NAME@VERSION): the quantized computation that proofs attest, dequantized';

-- STABLE like zkml_score; not STRICT: labels and scores are optional.
CREATE FUNCTION zkml.zkml_evaluate(name pg_catalog.text, features pg_catalog.float8[],
    labels pg_catalog.float8[] DEFAULT NULL, scores pg_catalog.float8[] DEFAULT NULL,
    OUT rows pg_catalog.int4, OUT rows_scored pg_catalog.int4,
    OUT rows_out_of_range pg_catalog.int4, OUT rows_saturated pg_catalog.int4,
    OUT saturated_share pg_catalog.float8, OUT auc pg_catalog.float8,
    OUT max_abs_error pg_catalog.float8, OUT mean_abs_error pg_catalog.float8)
AS 'MODULE_PATHNAME', 'zkml_evaluate'
LANGUAGE C STABLE PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION zkml.zkml_evaluate(pg_catalog.text, pg_catalog.float8[], pg_catalog.float8[], pg_catalog.float8[]) IS
'a registered model on rows of features (a row per line): the rows it scores and cannot, the rows with a feature it clamps (saturated), the AUC against 0/1 labels, and the largest and mean absolute error against given (float) scores';

CREATE FUNCTION zkml.zkml_prove(name pg_catalog.text, features pg_catalog.float8[],
    context pg_catalog.text DEFAULT NULL, inputs pg_catalog.text DEFAULT 'public')
RETURNS pg_catalog.bytea
AS 'MODULE_PATHNAME', 'zkml_prove'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION zkml.zkml_prove(pg_catalog.text, pg_catalog.float8[], pg_catalog.text, pg_catalog.text) IS
'a receipt for one row: its quantized features (or, with inputs => ''committed'', a commitment to them), its score and a zero-knowledge proof that the registered model computed it';

CREATE FUNCTION zkml.prove_batch_step(state pg_catalog.internal, name pg_catalog.text,
    row_key pg_catalog.text, features pg_catalog.float8[])
RETURNS pg_catalog.internal
AS 'MODULE_PATHNAME', 'zkml_prove_batch_step'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

CREATE FUNCTION zkml.prove_batch_final(state pg_catalog.internal)
RETURNS pg_catalog.bytea
AS 'MODULE_PATHNAME', 'zkml_prove_batch_final'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

REVOKE ALL ON FUNCTION zkml.prove_batch_step(pg_catalog.internal, pg_catalog.text, pg_catalog.text, pg_catalog.float8[]),
    zkml.prove_batch_final(pg_catalog.internal) FROM PUBLIC;

-- One receipt for every row of a group; its state holds the quantized rows and their keys,
-- and the proof is made once, in the final function.
CREATE AGGREGATE zkml.zkml_prove_batch(name pg_catalog.text, row_key pg_catalog.text,
    features pg_catalog.float8[]) (
    SFUNC = zkml.prove_batch_step,
    STYPE = pg_catalog.internal,
    FINALFUNC = zkml.prove_batch_final,
    FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = RESTRICTED
);

COMMENT ON AGGREGATE zkml.zkml_prove_batch(pg_catalog.text, pg_catalog.text, pg_catalog.float8[]) IS
'one receipt for every row of the group, each row named by its key (bound into the proof); rows in the order of the aggregate''s ORDER BY; more rows than zkml.rows_per_proof are proven in parts of one receipt';

CREATE FUNCTION zkml.prove_batch_step(state pg_catalog.internal, name pg_catalog.text,
    row_key pg_catalog.text, features pg_catalog.float8[], context pg_catalog.text)
RETURNS pg_catalog.internal
AS 'MODULE_PATHNAME', 'zkml_prove_batch_step'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
REVOKE ALL ON FUNCTION zkml.prove_batch_step(pg_catalog.internal, pg_catalog.text, pg_catalog.text, pg_catalog.float8[], pg_catalog.text) FROM PUBLIC;

-- The same with a context bound into the receipt (as zkml_prove's, and the command's
-- --context): one context for the whole group.
CREATE AGGREGATE zkml.zkml_prove_batch(name pg_catalog.text, row_key pg_catalog.text,
    features pg_catalog.float8[], context pg_catalog.text) (
    SFUNC = zkml.prove_batch_step,
    STYPE = pg_catalog.internal,
    FINALFUNC = zkml.prove_batch_final,
    FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = RESTRICTED
);

COMMENT ON AGGREGATE zkml.zkml_prove_batch(pg_catalog.text, pg_catalog.text, pg_catalog.float8[], pg_catalog.text) IS
'one receipt for every row of the group with a context bound into it (the same for every row of the group), each row named by its key; more rows than zkml.rows_per_proof are proven in parts of one receipt';

-- ---------------------------------------------------------------------------------
-- Receipts.
CREATE FUNCTION zkml.zkml_receipt_info(receipt pg_catalog.bytea)
RETURNS pg_catalog.jsonb
AS 'MODULE_PATHNAME', 'zkml_receipt_info'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION zkml.zkml_receipt_info(pg_catalog.bytea) IS
'a receipt''s public facts: format, model digest, rows, shapes, context, sizes, and its parts with their rows';

CREATE FUNCTION zkml.zkml_verify(receipt pg_catalog.bytea, model_public pg_catalog.bytea)
RETURNS pg_catalog.bool
AS 'MODULE_PATHNAME', 'zkml_verify_public'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION zkml.zkml_verify(pg_catalog.bytea, pg_catalog.bytea) IS
'true if the receipt''s proof holds for the model of this public descriptor; an error for bytes that are not a receipt';

-- Never an error for what the arguments hold: an audit query over many receipts goes on
-- past a damaged one, which gets ok false and a reason.
CREATE FUNCTION zkml.zkml_verify_detail(receipt pg_catalog.bytea,
    model_public pg_catalog.bytea, OUT ok pg_catalog.bool, OUT reason pg_catalog.text,
    OUT detail pg_catalog.text)
AS 'MODULE_PATHNAME', 'zkml_verify_detail_public'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION zkml.zkml_verify_detail(pg_catalog.bytea, pg_catalog.bytea) IS
'the verdict on any bytes as a receipt of the model of a public descriptor; when false, the reason in an auditor''s words and the check that failed (detail); never an error';

-- Internal: the model digest a receipt names, NULL for bytes that are not a receipt.
CREATE FUNCTION zkml.receipt_digest(receipt pg_catalog.bytea)
RETURNS pg_catalog.bytea
AS 'MODULE_PATHNAME', 'zkml_receipt_digest'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
REVOKE ALL ON FUNCTION zkml.receipt_digest(pg_catalog.bytea) FROM PUBLIC;

-- The SQL-language functions below are SECURITY DEFINER: their bodies are BEGIN ATOMIC,
-- bound to the objects they name when the extension is created, never looked up again.
CREATE FUNCTION zkml.zkml_verify(receipt pg_catalog.bytea)
RETURNS pg_catalog.bool
LANGUAGE sql STABLE STRICT PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT zkml.zkml_verify(receipt,
        (SELECT m.public_file FROM zkml.models m
         WHERE m.digest OPERATOR(pg_catalog.=) pg_catalog.decode(
             zkml.zkml_receipt_info(receipt) OPERATOR(pg_catalog.->>) 'model_digest', 'hex')));
END;

COMMENT ON FUNCTION zkml.zkml_verify(pg_catalog.bytea) IS
'true if the receipt''s proof holds for the model it names, registered or imported here (NULL if no such model is here)';

CREATE FUNCTION zkml.zkml_verify_detail(receipt pg_catalog.bytea,
    OUT ok pg_catalog.bool, OUT reason pg_catalog.text, OUT detail pg_catalog.text)
LANGUAGE sql STABLE STRICT PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT CASE WHEN p.unknown THEN NULL ELSE (v.d).ok END,
           CASE WHEN p.unknown
                THEN 'no model with the receipt''s digest is registered or imported here'
                ELSE (v.d).reason END,
           CASE WHEN p.unknown
                THEN 'The receipt names model digest ' OPERATOR(pg_catalog.||) pg_catalog.encode(p.digest, 'hex')
                     OPERATOR(pg_catalog.||) '; zkml_import_model_public adds a model from its public descriptor.'
                ELSE (v.d).detail END
    FROM (SELECT a.digest, a.pub, a.digest IS NOT NULL AND a.pub IS NULL AS unknown
          FROM (SELECT r.digest,
                       (SELECT m.public_file FROM zkml.models m
                        WHERE m.digest OPERATOR(pg_catalog.=) r.digest) AS pub
                FROM (SELECT zkml.receipt_digest(receipt) AS digest) r) a) p,
         LATERAL (SELECT zkml.zkml_verify_detail(receipt,
                             COALESCE(p.pub, '\x'::pg_catalog.bytea)) AS d) v;
END;

COMMENT ON FUNCTION zkml.zkml_verify_detail(pg_catalog.bytea) IS
'the verdict on any bytes as a receipt of the model it names, registered or imported here, with the reason and the check that failed (ok NULL if no such model is here); never an error';

CREATE FUNCTION zkml.zkml_receipt_rows(receipt pg_catalog.bytea,
    model_public pg_catalog.bytea)
RETURNS TABLE(row_key pg_catalog.text, features pg_catalog.float8[], score pg_catalog.float8)
AS 'MODULE_PATHNAME', 'zkml_receipt_rows'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
ROWS 100;

COMMENT ON FUNCTION zkml.zkml_receipt_rows(pg_catalog.bytea, pg_catalog.bytea) IS
'the rows of a receipt, as it states them (zkml_verify says whether they are proven): key, features and score, dequantized with the public descriptor';

CREATE FUNCTION zkml.zkml_receipt_rows(receipt pg_catalog.bytea)
RETURNS TABLE(row_key pg_catalog.text, features pg_catalog.float8[], score pg_catalog.float8)
LANGUAGE sql STABLE STRICT PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
ROWS 100
BEGIN ATOMIC
    SELECT r.row_key, r.features, r.score FROM zkml.zkml_receipt_rows(receipt,
        (SELECT m.public_file FROM zkml.models m
         WHERE m.digest OPERATOR(pg_catalog.=) pg_catalog.decode(
             zkml.zkml_receipt_info(receipt) OPERATOR(pg_catalog.->>) 'model_digest', 'hex'))) r;
END;

COMMENT ON FUNCTION zkml.zkml_receipt_rows(pg_catalog.bytea) IS
'the rows of a receipt, dequantized with the descriptor of the model it names (no rows if that model is not here)';

-- ---------------------------------------------------------------------------------
-- Privileges.
REVOKE ALL ON FUNCTION zkml.register_model(pg_catalog.text, pg_catalog.jsonb, pg_catalog.float8[], pg_catalog.jsonb, pg_catalog.float8[], pg_catalog.float8[]),
    zkml.import_model_public(pg_catalog.text, pg_catalog.bytea),
    zkml.drop_model(pg_catalog.text, pg_catalog.int4),
    zkml.zkml_evaluate(pg_catalog.text, pg_catalog.float8[], pg_catalog.float8[], pg_catalog.float8[]),
    zkml.zkml_prove_batch(pg_catalog.text, pg_catalog.text, pg_catalog.float8[], pg_catalog.text),
    zkml.zkml_model_public(pg_catalog.text, pg_catalog.int4),
    zkml.zkml_score(pg_catalog.text, pg_catalog.float8[]),
    zkml.zkml_prove(pg_catalog.text, pg_catalog.float8[], pg_catalog.text, pg_catalog.text),
    zkml.zkml_verify(pg_catalog.bytea),
    zkml.zkml_verify(pg_catalog.bytea, pg_catalog.bytea),
    zkml.zkml_verify_detail(pg_catalog.bytea, pg_catalog.bytea),
    zkml.zkml_verify_detail(pg_catalog.bytea),
    zkml.zkml_receipt_info(pg_catalog.bytea),
    zkml.zkml_receipt_rows(pg_catalog.bytea),
    zkml.zkml_receipt_rows(pg_catalog.bytea, pg_catalog.bytea),
    zkml.zkml_prove_batch(pg_catalog.text, pg_catalog.text, pg_catalog.float8[]) FROM PUBLIC;
REVOKE ALL ON zkml.zkml_models, zkml.zkml_model_reports FROM PUBLIC;
-- the entry points that check the caller's role themselves (zkml.require_privilege)
GRANT EXECUTE ON FUNCTION zkml.zkml_register_model(pg_catalog.text, pg_catalog.jsonb, pg_catalog.float8[], pg_catalog.jsonb, pg_catalog.float8[], pg_catalog.float8[]),
    zkml.zkml_import_model_public(pg_catalog.text, pg_catalog.bytea),
    zkml.zkml_drop_model(pg_catalog.text, pg_catalog.int4) TO PUBLIC;

GRANT EXECUTE ON FUNCTION zkml.register_model(pg_catalog.text, pg_catalog.jsonb, pg_catalog.float8[], pg_catalog.jsonb, pg_catalog.float8[], pg_catalog.float8[]),
    zkml.drop_model(pg_catalog.text, pg_catalog.int4) TO zkml_admin;
-- an auditor imports a descriptor to verify its receipts in its own database
GRANT EXECUTE ON FUNCTION zkml.import_model_public(pg_catalog.text, pg_catalog.bytea) TO zkml_admin, zkml_auditor;
GRANT EXECUTE ON FUNCTION zkml.zkml_evaluate(pg_catalog.text, pg_catalog.float8[], pg_catalog.float8[], pg_catalog.float8[]) TO zkml_admin, zkml_prover;
-- these check the caller's zkml_prover themselves, in C (src/pg/scoring.c)
GRANT EXECUTE ON FUNCTION zkml.zkml_score(pg_catalog.text, pg_catalog.float8[]),
    zkml.zkml_prove(pg_catalog.text, pg_catalog.float8[], pg_catalog.text, pg_catalog.text),
    zkml.zkml_prove_batch(pg_catalog.text, pg_catalog.text, pg_catalog.float8[]),
    zkml.zkml_prove_batch(pg_catalog.text, pg_catalog.text, pg_catalog.float8[], pg_catalog.text) TO PUBLIC;
GRANT EXECUTE ON FUNCTION zkml.zkml_model_public(pg_catalog.text, pg_catalog.int4),
    zkml.zkml_verify(pg_catalog.bytea),
    zkml.zkml_verify(pg_catalog.bytea, pg_catalog.bytea),
    zkml.zkml_verify_detail(pg_catalog.bytea, pg_catalog.bytea),
    zkml.zkml_verify_detail(pg_catalog.bytea),
    zkml.zkml_receipt_info(pg_catalog.bytea),
    zkml.zkml_receipt_rows(pg_catalog.bytea),
    zkml.zkml_receipt_rows(pg_catalog.bytea, pg_catalog.bytea) TO zkml_auditor, zkml_admin, zkml_prover;
GRANT SELECT ON zkml.zkml_models, zkml.zkml_model_reports TO zkml_auditor, zkml_admin, zkml_prover;

-- ---------------------------------------------------------------------------------
-- The proofs running in the server, from shared memory (src/pg/progress.c): it is
-- reserved only when zkml is in shared_preload_libraries; without it the function raises
-- an error that says so, rather than answer "no proof is running" when it cannot know.
-- PARALLEL RESTRICTED: it reads other backends' state, as pg_stat_get_activity.
CREATE FUNCTION zkml.proof_progress(
    OUT pid pg_catalog.int4, OUT database pg_catalog.text, OUT usename pg_catalog.text,
    OUT model pg_catalog.text, OUT first_row_key pg_catalog.text,
    OUT last_row_key pg_catalog.text, OUT rows pg_catalog.int8, OUT phase pg_catalog.text,
    OUT phase_started pg_catalog.timestamptz, OUT started pg_catalog.timestamptz,
    OUT elapsed pg_catalog.interval)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'zkml_proof_progress'
LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED
ROWS 10;

COMMENT ON FUNCTION zkml.proof_progress() IS
'a row per proof running in the server (zkml_proof_progress); an error unless zkml is in shared_preload_libraries';

-- A view over it: model names and row keys are the lender's, so not PUBLIC.  Row keys
-- are shown to the session user running the proof (and roles with its privileges) and
-- to zkml_admin; to others they are NULL, as pg_stat_activity hides another role's query.
CREATE VIEW zkml.zkml_proof_progress AS
SELECT p.pid, p.database, p.usename, p.model, p.first_row_key, p.last_row_key, p.rows,
       p.phase, p.phase_started, p.started, p.elapsed
FROM zkml.proof_progress() p;

COMMENT ON VIEW zkml.zkml_proof_progress IS
'the proofs running in the server: backend pid, database, session user, model as NAME@VERSION, the batch''s first and last row keys (NULL unless the proof is yours or you are zkml_admin), rows, the phase running (witness, commitments, sumcheck S1, sumcheck S2, openings, receipt) and since when, and the time since the proof started; needs zkml in shared_preload_libraries';

REVOKE ALL ON FUNCTION zkml.proof_progress() FROM PUBLIC;
REVOKE ALL ON zkml.zkml_proof_progress FROM PUBLIC;
GRANT EXECUTE ON FUNCTION zkml.proof_progress() TO zkml_admin, zkml_prover, zkml_auditor;
GRANT SELECT ON zkml.zkml_proof_progress TO zkml_admin, zkml_prover, zkml_auditor;

-- ---------------------------------------------------------------------------------
-- One model on many servers (src/pg/transfer.c): a model version's key file moved, by a
-- superuser, to a shard server, so that every shard proves with the same commitment and
-- its receipts name the same digest.  Not SECURITY DEFINER: both run as the caller and
-- refuse any caller that is not a superuser (the key file is what zkml.model_secrets
-- keeps from every other role).  The zkml roles may execute them to get that refusal,
-- which names the role needed; PUBLIC gets nothing.
CREATE FUNCTION zkml.zkml_export_model_key(name pg_catalog.text,
    version pg_catalog.int4 DEFAULT NULL)
RETURNS pg_catalog.bytea
AS 'MODULE_PATHNAME', 'zkml_export_model_key'
LANGUAGE C STABLE PARALLEL RESTRICTED;

COMMENT ON FUNCTION zkml.zkml_export_model_key(pg_catalog.text, pg_catalog.int4) IS
'superuser only: the key file (weights and secret seed) of a model version (the latest by default), for zkml_import_model_key on another server';

CREATE FUNCTION zkml.zkml_import_model_key(model_name pg_catalog.text,
    key_file pg_catalog.bytea, model_version pg_catalog.int4 DEFAULT NULL,
    OUT name pg_catalog.text, OUT version pg_catalog.int4, OUT digest pg_catalog.text)
AS 'MODULE_PATHNAME', 'zkml_import_model_key'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION zkml.zkml_import_model_key(pg_catalog.text, pg_catalog.bytea, pg_catalog.int4) IS
'superuser only: register a model from its key file (zkml_export_model_key of another server, or zkml keygen), as the given version or the next; it proves with the same commitment and digest';

REVOKE ALL ON FUNCTION zkml.zkml_export_model_key(pg_catalog.text, pg_catalog.int4),
    zkml.zkml_import_model_key(pg_catalog.text, pg_catalog.bytea, pg_catalog.int4) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION zkml.zkml_export_model_key(pg_catalog.text, pg_catalog.int4),
    zkml.zkml_import_model_key(pg_catalog.text, pg_catalog.bytea, pg_catalog.int4)
    TO zkml_admin, zkml_prover, zkml_auditor;

-- ---------------------------------------------------------------------------------
-- Committed inputs (docs/protocol.md 7.19-7.20): receipts that carry one commitment per row
-- instead of its features, and openings of chosen rows.
CREATE FUNCTION zkml.prove_batch_step(state pg_catalog.internal, name pg_catalog.text,
    row_key pg_catalog.text, features pg_catalog.float8[], context pg_catalog.text,
    inputs pg_catalog.text)
RETURNS pg_catalog.internal
AS 'MODULE_PATHNAME', 'zkml_prove_batch_step'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
REVOKE ALL ON FUNCTION zkml.prove_batch_step(pg_catalog.internal, pg_catalog.text, pg_catalog.text, pg_catalog.float8[], pg_catalog.text, pg_catalog.text) FROM PUBLIC;

CREATE AGGREGATE zkml.zkml_prove_batch(name pg_catalog.text, row_key pg_catalog.text,
    features pg_catalog.float8[], context pg_catalog.text, inputs pg_catalog.text) (
    SFUNC = zkml.prove_batch_step,
    STYPE = pg_catalog.internal,
    FINALFUNC = zkml.prove_batch_final,
    FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = RESTRICTED
);

COMMENT ON AGGREGATE zkml.zkml_prove_batch(pg_catalog.text, pg_catalog.text, pg_catalog.float8[], pg_catalog.text, pg_catalog.text) IS
'one receipt for every row of the group with a context, its inputs ''public'' (the rows'' features in the receipt) or ''committed'' (one commitment per row, no feature)';

-- The lender opens chosen rows of one of its committed receipts: an aggregate over the
-- rows to open, found by key, their features quantized as zkml_prove does and checked
-- against the commitments.  It reads the model's secret seed: zkml_prover, checked in C.
CREATE FUNCTION zkml.open_rows_step(state pg_catalog.internal, name pg_catalog.text,
    receipt pg_catalog.bytea, row_key pg_catalog.text, features pg_catalog.float8[])
RETURNS pg_catalog.internal
AS 'MODULE_PATHNAME', 'zkml_open_rows_step'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

CREATE FUNCTION zkml.open_rows_final(state pg_catalog.internal)
RETURNS pg_catalog.bytea
AS 'MODULE_PATHNAME', 'zkml_open_rows_final'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

REVOKE ALL ON FUNCTION zkml.open_rows_step(pg_catalog.internal, pg_catalog.text, pg_catalog.bytea, pg_catalog.text, pg_catalog.float8[]),
    zkml.open_rows_final(pg_catalog.internal) FROM PUBLIC;

CREATE AGGREGATE zkml.zkml_open_rows(name pg_catalog.text, receipt pg_catalog.bytea,
    row_key pg_catalog.text, features pg_catalog.float8[]) (
    SFUNC = zkml.open_rows_step,
    STYPE = pg_catalog.internal,
    FINALFUNC = zkml.open_rows_final,
    FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = RESTRICTED
);

COMMENT ON AGGREGATE zkml.zkml_open_rows(pg_catalog.text, pg_catalog.bytea, pg_catalog.text, pg_catalog.float8[]) IS
'an opening of the group''s rows of a committed receipt (each found by its key): their features and blinds, which an auditor checks against the receipt''s commitments';

CREATE FUNCTION zkml.zkml_verify_opening(receipt pg_catalog.bytea,
    model_public pg_catalog.bytea, opening pg_catalog.bytea)
RETURNS pg_catalog.bool
AS 'MODULE_PATHNAME', 'zkml_verify_opening'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION zkml.zkml_verify_opening(pg_catalog.bytea, pg_catalog.bytea, pg_catalog.bytea) IS
'true if the committed receipt verifies against the public descriptor and the opening''s rows are the ones committed (a NOTICE says which check failed)';

CREATE FUNCTION zkml.zkml_receipt_rows(receipt pg_catalog.bytea,
    model_public pg_catalog.bytea, opening pg_catalog.bytea)
RETURNS TABLE(row_key pg_catalog.text, features pg_catalog.float8[], score pg_catalog.float8)
AS 'MODULE_PATHNAME', 'zkml_receipt_rows'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
ROWS 100;

COMMENT ON FUNCTION zkml.zkml_receipt_rows(pg_catalog.bytea, pg_catalog.bytea, pg_catalog.bytea) IS
'the rows of a committed receipt with an opening (checked first: an error if it does not check): every key and score, the features of the opened rows, NULL for the others';

REVOKE ALL ON FUNCTION zkml.zkml_prove_batch(pg_catalog.text, pg_catalog.text, pg_catalog.float8[], pg_catalog.text, pg_catalog.text),
    zkml.zkml_open_rows(pg_catalog.text, pg_catalog.bytea, pg_catalog.text, pg_catalog.float8[]),
    zkml.zkml_verify_opening(pg_catalog.bytea, pg_catalog.bytea, pg_catalog.bytea),
    zkml.zkml_receipt_rows(pg_catalog.bytea, pg_catalog.bytea, pg_catalog.bytea) FROM PUBLIC;
-- these check the caller's zkml_prover themselves, in C (src/pg/scoring.c)
GRANT EXECUTE ON FUNCTION zkml.zkml_prove_batch(pg_catalog.text, pg_catalog.text, pg_catalog.float8[], pg_catalog.text, pg_catalog.text),
    zkml.zkml_open_rows(pg_catalog.text, pg_catalog.bytea, pg_catalog.text, pg_catalog.float8[]) TO PUBLIC;
GRANT EXECUTE ON FUNCTION zkml.zkml_verify_opening(pg_catalog.bytea, pg_catalog.bytea, pg_catalog.bytea),
    zkml.zkml_receipt_rows(pg_catalog.bytea, pg_catalog.bytea, pg_catalog.bytea) TO zkml_auditor, zkml_admin, zkml_prover;
