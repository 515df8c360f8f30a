/* zkml--0.1.0.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION zkml" to load this file. \quit

-- Private schema for the model catalog.  Nobody but its owner may look inside;
-- access will go through the functions below and the roles of later versions.
CREATE SCHEMA zkml;
REVOKE ALL ON SCHEMA zkml FROM PUBLIC;

CREATE FUNCTION @extschema@.zkml_version()
RETURNS pg_catalog.text
AS 'MODULE_PATHNAME', 'zkml_version'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.zkml_version() IS
'version of the zkml library loaded in this session';

-- VOLATILE: it checks this machine every time it is called, nothing may be cached.
-- PARALLEL SAFE: it touches no database or session state; a parallel worker runs the
-- checks in its own process, with at most zkml.threads threads like any backend.
CREATE FUNCTION @extschema@.zkml_self_test(iterations pg_catalog.int4 DEFAULT 1)
RETURNS TABLE(check_name pg_catalog.text, ok pg_catalog.bool)
AS 'MODULE_PATHNAME', 'zkml_self_test'
LANGUAGE C VOLATILE STRICT PARALLEL SAFE
ROWS 20;

COMMENT ON FUNCTION @extschema@.zkml_self_test(pg_catalog.int4) IS
'run the known-answer checks of the cryptographic core; ok is true for a check that passed in every iteration';

-- ---------------------------------------------------------------------------------
-- Roles (cluster-wide; created once, kept when the extension is dropped).
--   zkml_admin    registers, imports and drops models
--   zkml_prover   scores and proves with registered models
--   zkml_auditor  verifies receipts, reads zkml_models, exports public descriptors
-- PUBLIC gets nothing.
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

-- ---------------------------------------------------------------------------------
-- The catalog.  zkml.models holds what anyone may know of a model (its public file,
-- the verifying key); zkml.model_secrets the key file (weights and blinding seed),
-- readable by the extension owner only: functions that need it are SECURITY DEFINER
-- and never return it.  Both are dumped by pg_dump with the database.
CREATE TABLE zkml.models (
    name pg_catalog.text NOT NULL CHECK (pg_catalog.length(name) BETWEEN 1 AND 200),
    version pg_catalog.int4 NOT NULL CHECK (version >= 1),
    digest pg_catalog.bytea NOT NULL UNIQUE CHECK (pg_catalog.length(digest) = 32),
    public_file pg_catalog.bytea NOT NULL,
    shapes pg_catalog.text NOT NULL,
    n_inputs pg_catalog.int4 NOT NULL,
    n_outputs pg_catalog.int4 NOT NULL,
    verify_only pg_catalog.bool NOT NULL,
    created_at pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by pg_catalog.name NOT NULL DEFAULT CURRENT_USER,
    PRIMARY KEY (name, version)
);

CREATE TABLE zkml.model_secrets (
    digest pg_catalog.bytea PRIMARY KEY REFERENCES zkml.models (digest) ON DELETE CASCADE,
    key_file pg_catalog.bytea NOT NULL
);

REVOKE ALL ON zkml.models, zkml.model_secrets FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('zkml.models', '');
SELECT pg_catalog.pg_extension_config_dump('zkml.model_secrets', '');

-- Internal: a key file and its public file from a quantized model document.
CREATE FUNCTION zkml.keygen(document pg_catalog.text,
    OUT key_file pg_catalog.bytea, OUT public_file pg_catalog.bytea,
    OUT digest pg_catalog.bytea, OUT shapes pg_catalog.text,
    OUT n_inputs pg_catalog.int4, OUT n_outputs pg_catalog.int4)
AS 'MODULE_PATHNAME', 'zkml_keygen'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
REVOKE ALL ON FUNCTION zkml.keygen(pg_catalog.text) FROM PUBLIC;

-- Internal: a float model document quantized with its calibration rows (quantize.h):
-- the quantized document (it holds the weights) and the report.
CREATE FUNCTION zkml.quantize(document pg_catalog.text, calibration pg_catalog.float8[],
    options pg_catalog.jsonb, OUT quantized pg_catalog.text, OUT report pg_catalog.jsonb)
AS 'MODULE_PATHNAME', 'zkml_quantize'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
REVOKE ALL ON FUNCTION zkml.quantize(pg_catalog.text, pg_catalog.float8[], pg_catalog.jsonb) FROM PUBLIC;

-- Internal: the facts of a public file (ERROR if it is not one).
CREATE FUNCTION zkml.public_info(public_file pg_catalog.bytea,
    OUT digest pg_catalog.bytea, OUT shapes pg_catalog.text,
    OUT n_inputs pg_catalog.int4, OUT n_outputs pg_catalog.int4)
AS 'MODULE_PATHNAME', 'zkml_public_info'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
REVOKE ALL ON FUNCTION zkml.public_info(pg_catalog.bytea) FROM PUBLIC;

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

CREATE FUNCTION @extschema@.zkml_register_model(model_name pg_catalog.text,
    model pg_catalog.jsonb,
    calibration pg_catalog.float8[] DEFAULT NULL,
    options pg_catalog.jsonb DEFAULT '{}',
    OUT name pg_catalog.text, OUT version pg_catalog.int4, OUT digest pg_catalog.text,
    OUT report pg_catalog.jsonb)
AS $register$
DECLARE
    k record;
    q record;
BEGIN
    IF model OPERATOR(pg_catalog.->>) 'format' OPERATOR(pg_catalog.=) 'zkml-float-v1' THEN
        q := zkml.quantize(model::pg_catalog.text, calibration, options);
        k := zkml.keygen(q.quantized);
        report := q.report;
    ELSIF model OPERATOR(pg_catalog.->>) 'format' OPERATOR(pg_catalog.=) 'zkml-quantized-v1' THEN
        IF calibration IS NOT NULL OR options IS DISTINCT FROM '{}'::pg_catalog.jsonb THEN
            RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                MESSAGE = 'calibration and options apply to float models only',
                HINT = 'A quantized document carries its own scales; pass neither.';
        END IF;
        k := zkml.keygen(model::pg_catalog.text);
        report := pg_catalog.jsonb_build_object('format', 'zkml-quantized-v1',
            'quantization', 'given by the document');
    ELSE
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'argument "model" is not a model document',
            DETAIL = pg_catalog.format('$.format is %s; it must be "zkml-float-v1" or "zkml-quantized-v1".',
                                       COALESCE(pg_catalog.quote_literal(model OPERATOR(pg_catalog.->>) 'format'), 'missing'));
    END IF;
    name := model_name;
    version := zkml.next_version(model_name);
    INSERT INTO zkml.models (name, version, digest, public_file, shapes, n_inputs, n_outputs, verify_only)
    VALUES (name, version, k.digest, k.public_file, k.shapes, k.n_inputs, k.n_outputs, false);
    INSERT INTO zkml.model_secrets (digest, key_file) VALUES (k.digest, k.key_file);
    digest := pg_catalog.encode(k.digest, 'hex');
    RETURN;
END
$register$
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION @extschema@.zkml_register_model(pg_catalog.text, pg_catalog.jsonb, pg_catalog.float8[], pg_catalog.jsonb) IS
'register a model under a name (a new version if the name exists): commits to its weights and returns the digest that receipts name';

CREATE FUNCTION @extschema@.zkml_import_model_public(model_name pg_catalog.text,
    public_file pg_catalog.bytea,
    OUT name pg_catalog.text, OUT version pg_catalog.int4, OUT digest pg_catalog.text)
AS $import$
DECLARE
    p record;
BEGIN
    p := zkml.public_info(public_file);
    IF EXISTS (SELECT 1 FROM zkml.models m WHERE m.digest OPERATOR(pg_catalog.=) p.digest) THEN
        RAISE EXCEPTION USING ERRCODE = 'duplicate_object',
            MESSAGE = 'this model is already in the catalog',
            DETAIL = pg_catalog.format('Its digest is %s.', pg_catalog.encode(p.digest, 'hex'));
    END IF;
    name := model_name;
    version := zkml.next_version(model_name);
    INSERT INTO zkml.models (name, version, digest, public_file, shapes, n_inputs, n_outputs, verify_only)
    VALUES (name, version, p.digest, public_file, p.shapes, p.n_inputs, p.n_outputs, true);
    digest := pg_catalog.encode(p.digest, 'hex');
    RETURN;
END
$import$
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION @extschema@.zkml_import_model_public(pg_catalog.text, pg_catalog.bytea) IS
'add a verify-only model from its public descriptor (zkml_model_public of the registering database)';

CREATE FUNCTION @extschema@.zkml_drop_model(name pg_catalog.text,
    version pg_catalog.int4 DEFAULT NULL)
RETURNS pg_catalog.int4
AS $drop$
DECLARE
    n pg_catalog.int4;
BEGIN
    DELETE FROM zkml.models m
    WHERE m.name OPERATOR(pg_catalog.=) zkml_drop_model.name
      AND (zkml_drop_model.version IS NULL OR m.version OPERATOR(pg_catalog.=) zkml_drop_model.version);
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n OPERATOR(pg_catalog.=) 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'undefined_object',
            MESSAGE = pg_catalog.format('model %s does not exist', pg_catalog.quote_literal(name)
                || CASE WHEN version IS NULL THEN '' ELSE pg_catalog.format(' (version %s)', version) END);
    END IF;
    RETURN n;
END
$drop$
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION @extschema@.zkml_drop_model(pg_catalog.text, pg_catalog.int4) IS
'drop a model (every version, or one); returns the number of versions dropped';

CREATE FUNCTION @extschema@.zkml_model_public(name pg_catalog.text,
    version pg_catalog.int4 DEFAULT NULL)
RETURNS pg_catalog.bytea
AS $public$
DECLARE
    f pg_catalog.bytea;
BEGIN
    SELECT m.public_file INTO f FROM zkml.models m
    WHERE m.name OPERATOR(pg_catalog.=) zkml_model_public.name
      AND (zkml_model_public.version IS NULL OR m.version OPERATOR(pg_catalog.=) zkml_model_public.version)
    ORDER BY m.version DESC LIMIT 1;
    IF f IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'undefined_object',
            MESSAGE = pg_catalog.format('model %s does not exist', pg_catalog.quote_literal(name));
    END IF;
    RETURN f;
END
$public$
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION @extschema@.zkml_model_public(pg_catalog.text, pg_catalog.int4) IS
'the public descriptor of a model (its latest version by default): what an auditor needs to verify its receipts';

CREATE VIEW @extschema@.zkml_models AS
SELECT m.name, m.version, m.shapes, pg_catalog.encode(m.digest, 'hex') AS digest,
       m.verify_only, m.created_at, m.created_by
FROM zkml.models m;

COMMENT ON VIEW @extschema@.zkml_models IS
'the registered and imported models, every version; never their weights';

CREATE FUNCTION @extschema@.zkml_score(name pg_catalog.text, features pg_catalog.float8[])
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'zkml_score'
LANGUAGE C STABLE STRICT PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION @extschema@.zkml_score(pg_catalog.text, pg_catalog.float8[]) IS
'the score of the latest version of a model for one row of features: the quantized computation that proofs attest, dequantized';

CREATE FUNCTION @extschema@.zkml_prove(name pg_catalog.text, features pg_catalog.float8[],
    context pg_catalog.text DEFAULT NULL)
RETURNS pg_catalog.bytea
AS 'MODULE_PATHNAME', 'zkml_prove'
LANGUAGE C VOLATILE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION @extschema@.zkml_prove(pg_catalog.text, pg_catalog.float8[], pg_catalog.text) IS
'a receipt for one row: its quantized features, its score and a zero-knowledge proof that the registered model computed it';

CREATE FUNCTION zkml.prove_batch_step(state pg_catalog.internal, name pg_catalog.text,
    row_key pg_catalog.text, features pg_catalog.float8[])
RETURNS pg_catalog.internal
AS 'MODULE_PATHNAME', 'zkml_prove_batch_step'
LANGUAGE C VOLATILE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION zkml.prove_batch_final(state pg_catalog.internal)
RETURNS pg_catalog.bytea
AS 'MODULE_PATHNAME', 'zkml_prove_batch_final'
LANGUAGE C VOLATILE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

REVOKE ALL ON FUNCTION zkml.prove_batch_step(pg_catalog.internal, pg_catalog.text, pg_catalog.text, pg_catalog.float8[]),
    zkml.prove_batch_final(pg_catalog.internal) FROM PUBLIC;

-- One receipt for every row of a group; its state holds the quantized rows and their keys,
-- and the proof is made once, in the final function.
CREATE AGGREGATE @extschema@.zkml_prove_batch(name pg_catalog.text, row_key pg_catalog.text,
    features pg_catalog.float8[]) (
    SFUNC = zkml.prove_batch_step,
    STYPE = pg_catalog.internal,
    FINALFUNC = zkml.prove_batch_final,
    FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = RESTRICTED
);

COMMENT ON AGGREGATE @extschema@.zkml_prove_batch(pg_catalog.text, pg_catalog.text, pg_catalog.float8[]) IS
'one receipt for every row of the group, each row named by its key (bound into the proof); rows in the order of the aggregate''s ORDER BY';

-- ---------------------------------------------------------------------------------
-- Receipts.
CREATE FUNCTION @extschema@.zkml_verify(receipt pg_catalog.bytea, model_public pg_catalog.bytea)
RETURNS pg_catalog.bool
AS 'MODULE_PATHNAME', 'zkml_verify_public'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.zkml_verify(pg_catalog.bytea, pg_catalog.bytea) IS
'true if the receipt''s proof holds for the model of this public descriptor; an error for bytes that are not a receipt';

CREATE FUNCTION @extschema@.zkml_verify_detail(receipt pg_catalog.bytea,
    model_public pg_catalog.bytea, OUT ok pg_catalog.bool, OUT reason pg_catalog.text)
AS 'MODULE_PATHNAME', 'zkml_verify_detail_public'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.zkml_verify_detail(pg_catalog.bytea, pg_catalog.bytea) IS
'the verdict on a receipt against a public descriptor, and why it failed';

CREATE FUNCTION @extschema@.zkml_verify(receipt pg_catalog.bytea)
RETURNS pg_catalog.bool
AS $verify$
    SELECT @extschema@.zkml_verify(receipt,
        (SELECT m.public_file FROM zkml.models m
         WHERE m.digest OPERATOR(pg_catalog.=) pg_catalog.decode(
             @extschema@.zkml_receipt_info(receipt) OPERATOR(pg_catalog.->>) 'model_digest', 'hex')))
$verify$
LANGUAGE sql STABLE STRICT PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION @extschema@.zkml_verify(pg_catalog.bytea) IS
'true if the receipt''s proof holds for the model it names, registered or imported here (NULL if no such model is here)';

CREATE FUNCTION @extschema@.zkml_verify_detail(receipt pg_catalog.bytea,
    OUT ok pg_catalog.bool, OUT reason pg_catalog.text)
AS $detail$
    SELECT (v.d).ok,
           CASE WHEN p.pub IS NULL
                THEN 'no model with the receipt''s digest is registered or imported here'
                ELSE (v.d).reason END
    FROM (SELECT (SELECT m.public_file FROM zkml.models m
                  WHERE m.digest OPERATOR(pg_catalog.=) pg_catalog.decode(
                      @extschema@.zkml_receipt_info(receipt) OPERATOR(pg_catalog.->>) 'model_digest',
                      'hex')) AS pub) p,
         LATERAL (SELECT @extschema@.zkml_verify_detail(receipt, p.pub) AS d) v
$detail$
LANGUAGE sql STABLE STRICT PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION @extschema@.zkml_verify_detail(pg_catalog.bytea) IS
'the verdict on a receipt against the model it names, registered or imported here, and why it failed (ok NULL if no such model is here)';

CREATE FUNCTION @extschema@.zkml_receipt_info(receipt pg_catalog.bytea)
RETURNS pg_catalog.jsonb
AS 'MODULE_PATHNAME', 'zkml_receipt_info'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.zkml_receipt_info(pg_catalog.bytea) IS
'a receipt''s public facts: format, model digest, rows, shapes, context and sizes';

CREATE FUNCTION @extschema@.zkml_receipt_rows(receipt pg_catalog.bytea,
    model_public pg_catalog.bytea)
RETURNS TABLE(row_key pg_catalog.text, features pg_catalog.float8[], score pg_catalog.float8)
AS 'MODULE_PATHNAME', 'zkml_receipt_rows'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
ROWS 100;

COMMENT ON FUNCTION @extschema@.zkml_receipt_rows(pg_catalog.bytea, pg_catalog.bytea) IS
'the rows of a receipt, as it states them (zkml_verify says whether they are proven): key, features and score, dequantized with the public descriptor';

CREATE FUNCTION @extschema@.zkml_receipt_rows(receipt pg_catalog.bytea)
RETURNS TABLE(row_key pg_catalog.text, features pg_catalog.float8[], score pg_catalog.float8)
AS $rows$
    SELECT * FROM @extschema@.zkml_receipt_rows(receipt,
        (SELECT m.public_file FROM zkml.models m
         WHERE m.digest OPERATOR(pg_catalog.=) pg_catalog.decode(
             @extschema@.zkml_receipt_info(receipt) OPERATOR(pg_catalog.->>) 'model_digest', 'hex')))
$rows$
LANGUAGE sql STABLE STRICT PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
ROWS 100;

COMMENT ON FUNCTION @extschema@.zkml_receipt_rows(pg_catalog.bytea) IS
'the rows of a receipt, dequantized with the descriptor of the model it names (no rows if that model is not here)';

-- ---------------------------------------------------------------------------------
-- Privileges.
REVOKE ALL ON FUNCTION @extschema@.zkml_register_model(pg_catalog.text, pg_catalog.jsonb, pg_catalog.float8[], pg_catalog.jsonb),
    @extschema@.zkml_import_model_public(pg_catalog.text, pg_catalog.bytea),
    @extschema@.zkml_drop_model(pg_catalog.text, pg_catalog.int4),
    @extschema@.zkml_model_public(pg_catalog.text, pg_catalog.int4),
    @extschema@.zkml_score(pg_catalog.text, pg_catalog.float8[]),
    @extschema@.zkml_prove(pg_catalog.text, pg_catalog.float8[], pg_catalog.text),
    @extschema@.zkml_verify(pg_catalog.bytea),
    @extschema@.zkml_verify(pg_catalog.bytea, pg_catalog.bytea),
    @extschema@.zkml_verify_detail(pg_catalog.bytea, pg_catalog.bytea),
    @extschema@.zkml_verify_detail(pg_catalog.bytea),
    @extschema@.zkml_receipt_info(pg_catalog.bytea),
    @extschema@.zkml_receipt_rows(pg_catalog.bytea),
    @extschema@.zkml_receipt_rows(pg_catalog.bytea, pg_catalog.bytea),
    @extschema@.zkml_prove_batch(pg_catalog.text, pg_catalog.text, pg_catalog.float8[]) FROM PUBLIC;
REVOKE ALL ON @extschema@.zkml_models FROM PUBLIC;

GRANT EXECUTE ON FUNCTION @extschema@.zkml_register_model(pg_catalog.text, pg_catalog.jsonb, pg_catalog.float8[], pg_catalog.jsonb),
    @extschema@.zkml_import_model_public(pg_catalog.text, pg_catalog.bytea),
    @extschema@.zkml_drop_model(pg_catalog.text, pg_catalog.int4) TO zkml_admin;
GRANT EXECUTE ON FUNCTION @extschema@.zkml_score(pg_catalog.text, pg_catalog.float8[]),
    @extschema@.zkml_prove(pg_catalog.text, pg_catalog.float8[], pg_catalog.text),
    @extschema@.zkml_prove_batch(pg_catalog.text, pg_catalog.text, pg_catalog.float8[]) TO zkml_prover;
GRANT EXECUTE ON FUNCTION @extschema@.zkml_model_public(pg_catalog.text, pg_catalog.int4),
    @extschema@.zkml_verify(pg_catalog.bytea),
    @extschema@.zkml_verify(pg_catalog.bytea, pg_catalog.bytea),
    @extschema@.zkml_verify_detail(pg_catalog.bytea, pg_catalog.bytea),
    @extschema@.zkml_verify_detail(pg_catalog.bytea),
    @extschema@.zkml_receipt_info(pg_catalog.bytea),
    @extschema@.zkml_receipt_rows(pg_catalog.bytea),
    @extschema@.zkml_receipt_rows(pg_catalog.bytea, pg_catalog.bytea) TO zkml_auditor, zkml_admin, zkml_prover;
GRANT SELECT ON @extschema@.zkml_models TO zkml_auditor, zkml_admin, zkml_prover;
