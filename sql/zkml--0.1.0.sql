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
