--
-- The install script: what CREATE EXTENSION zkml creates, and DROP EXTENSION removes.
-- (pg_regress has already created the extension once in this database.)  Names are
-- shown schema-qualified here.
--
SET search_path = pg_catalog;
DROP EXTENSION zkml;
-- the schema stays (CREATE EXTENSION made it, it is no member), empty
SELECT n.nspname, r.rolsuper AS owner_is_superuser,
       (SELECT count(*) FROM pg_class c WHERE c.relnamespace = n.oid) AS relations,
       (SELECT count(*) FROM pg_proc p WHERE p.pronamespace = n.oid) AS functions
FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner WHERE n.nspname = 'zkml';
DROP SCHEMA zkml;

-- Only in schema zkml, and only if a superuser owns it: its owner could replace what the
-- SECURITY DEFINER functions call.
CREATE EXTENSION zkml SCHEMA public;
CREATE ROLE zkml_test_squatter;
CREATE SCHEMA zkml AUTHORIZATION zkml_test_squatter;
CREATE EXTENSION zkml;
DROP SCHEMA zkml;
DROP ROLE zkml_test_squatter;

CREATE EXTENSION zkml;
SELECT extversion, extrelocatable, extnamespace::regnamespace
FROM pg_extension WHERE extname = 'zkml';
SELECT r.rolsuper AS owner_is_superuser
FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner WHERE n.nspname = 'zkml';

-- Already there.
CREATE EXTENSION zkml;

-- Every object belongs to the extension, and lives in schema zkml.
SELECT pg_describe_object(classid, objid, objsubid) AS member
FROM pg_depend
WHERE refclassid = 'pg_extension'::regclass
  AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'zkml')
  AND deptype = 'e'
ORDER BY 1;
SELECT count(*) AS outside_zkml FROM pg_depend d JOIN pg_proc p ON p.oid = d.objid
WHERE d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'zkml')
  AND p.pronamespace <> 'zkml'::regnamespace;

-- The schema: PUBLIC may use it (zkml_version, zkml_self_test), not create in it.
SELECT has_schema_privilege('public', 'zkml', 'USAGE') AS public_usage,
       has_schema_privilege('public', 'zkml', 'CREATE') AS public_create;

-- No SQL-language function resolves a name when it is called: their bodies are bound
-- (BEGIN ATOMIC, prosqlbody) when the extension is created.
SELECT p.oid::regprocedure AS sql_function, p.prosqlbody IS NOT NULL AS bound
FROM pg_proc p
WHERE p.pronamespace = 'zkml'::regnamespace AND p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'sql')
ORDER BY 1;

-- Function properties, and every function is documented.
SELECT p.oid::regprocedure AS function, p.provolatile, p.proparallel, p.proisstrict,
       pg_catalog.obj_description(p.oid, 'pg_proc') AS comment
FROM pg_proc p
WHERE p.pronamespace = 'zkml'::regnamespace AND p.proname LIKE 'zkml\_%'
ORDER BY 1;
SET search_path = public, zkml;

-- The library loaded is the version the script installed.
SELECT zkml_version() = extversion AS same_version
FROM pg_extension WHERE extname = 'zkml';
SELECT zkml_version();
