--
-- The install script: what CREATE EXTENSION zkml creates, and DROP EXTENSION removes.
-- (pg_regress has already created the extension once in this database.)
--
DROP EXTENSION zkml;
SELECT count(*) AS zkml_schemas FROM pg_namespace WHERE nspname = 'zkml';

CREATE EXTENSION zkml;
SELECT extversion, extrelocatable, extnamespace::regnamespace
FROM pg_extension WHERE extname = 'zkml';

-- Already there.
CREATE EXTENSION zkml;

-- Every object belongs to the extension.
SELECT pg_describe_object(classid, objid, objsubid) AS member
FROM pg_depend
WHERE refclassid = 'pg_extension'::regclass
  AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'zkml')
  AND deptype = 'e'
ORDER BY 1;

-- The private schema: PUBLIC may neither look in nor create in it.
SELECT has_schema_privilege('public', 'zkml', 'USAGE') AS public_usage,
       has_schema_privilege('public', 'zkml', 'CREATE') AS public_create;

-- Function properties, and every function is documented.
SELECT p.oid::regprocedure AS function, p.provolatile, p.proparallel, p.proisstrict,
       pg_catalog.obj_description(p.oid, 'pg_proc') AS comment
FROM pg_proc p
WHERE p.pronamespace = 'public'::regnamespace AND p.proname LIKE 'zkml\_%'
ORDER BY 1;

-- The library loaded is the version the script installed.
SELECT zkml_version() = extversion AS same_version
FROM pg_extension WHERE extname = 'zkml';
SELECT zkml_version();
