
-- The user's grants on the objects recreated above (section 2).
DO $grants$
DECLARE
    stmts pg_catalog.text := pg_catalog.current_setting('zkml_update.user_grants');
BEGIN
    IF stmts OPERATOR(pg_catalog.<>) '' THEN
        EXECUTE stmts;
    END IF;
END
$grants$;

-- The objects created above belong to the superuser running the update; in a fresh
-- install every object belongs to the extension's owner, as 0.1.0's still do.
DO $owner$
DECLARE
    o record;
BEGIN
    FOR o IN SELECT p.oid::pg_catalog.regprocedure AS obj, p.prokind, x.extowner
             FROM pg_catalog.pg_proc p
             JOIN pg_catalog.pg_depend e ON e.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
                  AND e.objid OPERATOR(pg_catalog.=) p.oid AND e.deptype OPERATOR(pg_catalog.=) 'e'
                  AND e.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass
             JOIN pg_catalog.pg_extension x ON x.oid OPERATOR(pg_catalog.=) e.refobjid
                  AND x.extname OPERATOR(pg_catalog.=) 'zkml'
             WHERE p.proowner OPERATOR(pg_catalog.<>) x.extowner LOOP
        EXECUTE pg_catalog.format('ALTER %s %s OWNER TO %I',
                                  CASE WHEN o.prokind OPERATOR(pg_catalog.=) 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END,
                                  o.obj, (SELECT r.rolname FROM pg_catalog.pg_roles r
                                          WHERE r.oid OPERATOR(pg_catalog.=) o.extowner));
    END LOOP;
    FOR o IN SELECT c.oid::pg_catalog.regclass AS obj, x.extowner
             FROM pg_catalog.pg_class c
             JOIN pg_catalog.pg_depend e ON e.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                  AND e.objid OPERATOR(pg_catalog.=) c.oid AND e.deptype OPERATOR(pg_catalog.=) 'e'
                  AND e.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass
             JOIN pg_catalog.pg_extension x ON x.oid OPERATOR(pg_catalog.=) e.refobjid
                  AND x.extname OPERATOR(pg_catalog.=) 'zkml'
             WHERE c.relowner OPERATOR(pg_catalog.<>) x.extowner LOOP
        EXECUTE pg_catalog.format('ALTER TABLE %s OWNER TO %I', o.obj,
                                  (SELECT r.rolname FROM pg_catalog.pg_roles r
                                   WHERE r.oid OPERATOR(pg_catalog.=) o.extowner));
    END LOOP;
END
$owner$;

-- ---------------------------------------------------------------------------------
-- 5. Initial privileges.  Every GRANT and REVOKE above recorded the whole ACL of its
-- object in pg_init_privs (what pg_dump takes as the extension's own and leaves out of a
-- dump), a user's own grants to other roles included, and a change of owner did not
-- update it.  A fresh install records the ACLs it ends with, which hold only the owner's,
-- PUBLIC's and the zkml roles' privileges: so here, from each object's ACL as it now is,
-- without the user's grants, which pg_dump then keeps writing.
UPDATE pg_catalog.pg_init_privs i
SET initprivs = (SELECT COALESCE(pg_catalog.array_agg(a.item ORDER BY a.n), '{}')
                 FROM pg_catalog.unnest(o.acl) WITH ORDINALITY a(item, n),
                      LATERAL (SELECT e.grantee, e.grantor
                               FROM pg_catalog.aclexplode(ARRAY[a.item]) e LIMIT 1) x
                 WHERE x.grantee OPERATOR(pg_catalog.=) 0
                    OR x.grantee OPERATOR(pg_catalog.=) x.grantor
                    OR x.grantee OPERATOR(pg_catalog.=) ANY (ARRAY(
                           SELECT r.oid FROM pg_catalog.pg_roles r
                           WHERE r.rolname OPERATOR(pg_catalog.=) ANY (ARRAY['zkml_admin', 'zkml_prover', 'zkml_auditor']::pg_catalog.name[]))))
FROM (SELECT 'pg_catalog.pg_proc'::pg_catalog.regclass AS cls, p.oid, p.proacl AS acl
      FROM pg_catalog.pg_proc p
      UNION ALL
      SELECT 'pg_catalog.pg_class'::pg_catalog.regclass, c.oid, c.relacl FROM pg_catalog.pg_class c
      UNION ALL
      SELECT 'pg_catalog.pg_namespace'::pg_catalog.regclass, n.oid, n.nspacl
      FROM pg_catalog.pg_namespace n
      WHERE n.nspname OPERATOR(pg_catalog.=) 'zkml') o
WHERE i.privtype OPERATOR(pg_catalog.=) 'e'
  AND i.objsubid OPERATOR(pg_catalog.=) 0
  AND i.classoid OPERATOR(pg_catalog.=) o.cls AND i.objoid OPERATOR(pg_catalog.=) o.oid
  AND o.acl IS NOT NULL
  AND (o.cls OPERATOR(pg_catalog.=) 'pg_catalog.pg_namespace'::pg_catalog.regclass
       OR EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                  JOIN pg_catalog.pg_extension x ON x.oid OPERATOR(pg_catalog.=) e.refobjid
                  WHERE e.classid OPERATOR(pg_catalog.=) i.classoid AND e.objid OPERATOR(pg_catalog.=) i.objoid
                    AND e.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass
                    AND e.deptype OPERATOR(pg_catalog.=) 'e'
                    AND x.extname OPERATOR(pg_catalog.=) 'zkml'));

-- A warning, not a notice: ALTER EXTENSION shows a script's warnings only.
DO $done$
BEGIN
    RAISE WARNING USING
        MESSAGE = 'zkml''s functions and views are now in schema zkml',
        DETAIL = 'Views and SQL functions of this database that use them by OID follow them; SQL text that names them without a schema finds them only through search_path.',
        HINT = 'Put zkml in the search_path of the roles that call them unqualified, e.g. ALTER DATABASE ... SET search_path = "$user", public, zkml;';
END
$done$;
