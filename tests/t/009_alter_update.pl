# ALTER EXTENSION zkml UPDATE from 0.1.0.  A database gets zkml 0.1.0 (this release's
# sql/zkml--0.1.0.sql, the release's script unchanged) in schema public, registers lr20,
# scores, proves single and batch receipts, and builds a view, a BEGIN ATOMIC function and
# grants on 0.1.0's functions; 0.1.0's declarations are called once more with this
# release's library.  The update refuses, changing nothing, an object of the user's in
# schema zkml named like 0.2.0's, a model name 0.2.0 cannot take, and a view on a function
# whose signature 0.2.0 changes.  After the update: the old receipts verify (SQL and the
# zkml command), the model scores as before and proves new receipts, the user's objects
# work and name schema zkml, the extension's objects (definitions, privileges, comments,
# owners, initial privileges) and the extension's catalog rows are those of a fresh 0.2.0
# install in another database, a dump restores into a new database with 0.2.0, and the
# database owner can neither shadow zkml's names nor drop its objects.  The same for a
# database whose 0.1.0 was installed WITH SCHEMA lending (updated by another superuser),
# and for the data of a 0.1.0 build (tests/fixtures/lender-0.1.0.sql: its keys and
# receipts, and a generated column, default, CHECK, index and a grant on the view
# zkml_models, which the update recreates).
use strict;
use warnings;
use File::Temp qw(tempdir);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

sub slurp_file_text { my ($f) = @_; open(my $h, '<', $f) or die "$f: $!"; local $/; my $t = <$h>; close $h; return $t; }
sub write_bytes { my ($f, $b) = @_; open(my $h, '>:raw', $f) or die "$f: $!"; print $h $b; close $h; }

my $lr20 = slurp_file_text('tests/fixtures/lr20.q.json');
my $credit = slurp_file_text('tests/fixtures/credit_lr20.float.json');
my @rows = grep { /\d/ } split /\n/, slurp_file_text('tests/fixtures/lr20.rows.csv');
shift @rows;
my $values = join(",\n", map { "('{$_}'::float8[])" } @rows[0 .. 5]);
my $dir = tempdir(CLEANUP => 1);

my $node = PostgreSQL::Test::Cluster->new('alter_update');
$node->init;
$node->start;
$node->safe_psql('postgres', q{
CREATE ROLE lender_owner LOGIN;
CREATE ROLE loan_app LOGIN;
CREATE DATABASE lender OWNER lender_owner;
CREATE DATABASE fresh;
});

# Every member of the extension, and the extension's own rows, as text: identity, schema,
# definition, owner, privileges and initial privileges (as sets: their order means
# nothing), comment; the extension's schema, config tables and dependencies.  The user's
# own grants to loan_app are left out of the functions' privileges (they are checked
# apart).
my $catalog_q = q{
SET search_path = "$user", public;
WITH ext AS (SELECT oid FROM pg_extension WHERE extname = 'zkml'),
members AS (
  SELECT d.classid, d.objid FROM pg_depend d, ext
  WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'),
init AS (SELECT i.classoid, i.objoid, string_agg(a::text, ',' ORDER BY a::text) AS privs
         FROM pg_init_privs i, unnest(i.initprivs) a WHERE i.objsubid = 0 GROUP BY 1, 2)
SELECT x FROM (
  SELECT 'member ' || (pg_identify_object(m.classid, m.objid, 0)).type || ' '
         || (pg_identify_object(m.classid, m.objid, 0)).identity
         || ' comment=' || coalesce(obj_description(m.objid, m.classid::regclass::name), '-') AS x
  FROM members m
  UNION ALL
  SELECT 'function ' || p.oid::regprocedure || ' owner=' || p.proowner::regrole
         || ' acl=' || coalesce((SELECT string_agg(a::text, ',' ORDER BY a::text)
                                 FROM unnest(coalesce(p.proacl, acldefault('f', p.proowner))) a
                                 WHERE a::text NOT LIKE 'loan\_app=%'), '')
         || ' initprivs=' || coalesce((SELECT i.privs FROM init i
                                       WHERE i.classoid = 'pg_proc'::regclass AND i.objoid = p.oid), '-')
         || E'\n' || CASE WHEN p.prokind = 'a'
                 THEN (SELECT format('aggregate sfunc=%s finalfunc=%s stype=%s modify=%s parallel=%s',
                                     a.aggtransfn::regprocedure, a.aggfinalfn::regprocedure,
                                     a.aggtranstype::regtype, a.aggfinalmodify, p.proparallel)
                       FROM pg_aggregate a WHERE a.aggfnoid = p.oid)
                 ELSE pg_get_functiondef(p.oid) END
  FROM members m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
  UNION ALL
  SELECT 'relation ' || c.oid::regclass || ' kind=' || c.relkind::text || ' owner=' || c.relowner::regrole
         || ' acl=' || coalesce((SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(c.relacl) a), 'null')
         || ' initprivs=' || coalesce((SELECT i.privs FROM init i
                                       WHERE i.classoid = 'pg_class'::regclass AND i.objoid = c.oid), '-')
         || E'\n' || coalesce(pg_get_viewdef(c.oid), '')
         || E'\ncolumns ' || (SELECT string_agg(format('%s %s%s default=%s', a.attname,
                                                format_type(a.atttypid, a.atttypmod),
                                                CASE WHEN a.attnotnull THEN ' not null' ELSE '' END,
                                                coalesce(pg_get_expr(ad.adbin, ad.adrelid), '-')), ', ' ORDER BY a.attnum)
                              FROM pg_attribute a
                              LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
                              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)
         || E'\nconstraints ' || coalesce((SELECT string_agg(co.conname || ' ' || pg_get_constraintdef(co.oid), ', '
                                                             ORDER BY co.conname)
                                          FROM pg_constraint co WHERE co.conrelid = c.oid), '-')
         || E'\nindexes ' || coalesce((SELECT string_agg(pg_get_indexdef(i.indexrelid), ', ' ORDER BY 1)
                                      FROM pg_index i WHERE i.indrelid = c.oid), '-')
  FROM members m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
  UNION ALL
  SELECT 'extension ' || e.extname || ' schema=' || e.extnamespace::regnamespace
         || ' relocatable=' || e.extrelocatable || ' version=' || e.extversion || ' owner=' || e.extowner::regrole
         || ' config=' || coalesce((SELECT string_agg(t::regclass::text, ',' ORDER BY t::regclass::text)
                                    FROM unnest(e.extconfig) t), '-')
         || ' conditions=' || coalesce(array_to_string(e.extcondition, ','), '-')
         || ' depends=' || (SELECT string_agg(pg_describe_object(d.refclassid, d.refobjid, d.refobjsubid)
                                              || ':' || d.deptype::text, ',' ORDER BY 1)
                            FROM pg_depend d WHERE d.classid = 'pg_extension'::regclass AND d.objid = e.oid)
  FROM pg_extension e WHERE e.extname = 'zkml'
  UNION ALL
  SELECT 'schema zkml owner=' || n.nspowner::regrole
         || ' acl=' || coalesce((SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(n.nspacl) a), 'null')
         || ' initprivs=' || coalesce((SELECT i.privs FROM init i
                                       WHERE i.classoid = 'pg_namespace'::regclass AND i.objoid = n.oid), '-')
         || ' comment=' || coalesce(obj_description(n.oid, 'pg_namespace'), '-')
         || ' member=' || EXISTS (SELECT 1 FROM members m
                                  WHERE m.classid = 'pg_namespace'::regclass AND m.objid = n.oid)
  FROM pg_namespace n WHERE n.nspname = 'zkml'
) s ORDER BY x};

# The differences between two catalogs, line by line (empty when equal).
sub catalog_diff
{
	my ($want, $got) = @_;
	my %w = map { $_ => 1 } split /\n(?=member |function |relation |extension |schema )/, $want;
	my %g = map { $_ => 1 } split /\n(?=member |function |relation |extension |schema )/, $got;
	return join("\n", (map { "missing: $_" } grep { !$g{$_} } sort keys %w),
		(map { "extra: $_" } grep { !$w{$_} } sort keys %g));
}

$node->safe_psql('fresh', 'CREATE EXTENSION zkml');
my $fresh_catalog = $node->safe_psql('fresh', $catalog_q);
like($fresh_catalog, qr/^extension zkml schema=zkml relocatable=false version=0\.2\.0 .*depends=schema zkml:n$/m,
	'a fresh install: 0.2.0 in schema zkml, which it depends on');

# ---- 0.1.0, used as 0.1.0 was ------------------------------------------------------
$node->safe_psql('lender', qq{
CREATE EXTENSION zkml VERSION '0.1.0';
SELECT version FROM zkml_register_model('lr20', \$doc\$$lr20\$doc\$);
CREATE TABLE apps (id text, x float8[]);
INSERT INTO apps SELECT 'app-' || n, x
FROM (SELECT row_number() OVER () AS n, x FROM (VALUES $values) v(x)) s;
CREATE TABLE receipts (id text PRIMARY KEY, r bytea NOT NULL);
INSERT INTO receipts SELECT 'single ' || id, zkml_prove('lr20', x, 'decision ' || id) FROM apps WHERE id = 'app-1';
INSERT INTO receipts SELECT 'batch', zkml_prove_batch('lr20', id, x ORDER BY id) FROM apps;
CREATE VIEW receipt_checks AS SELECT id, zkml_verify(r) AS ok FROM receipts;
CREATE FUNCTION score_of(x float8[]) RETURNS float8 LANGUAGE sql STABLE
BEGIN ATOMIC SELECT zkml_score('lr20', x); END;
GRANT EXECUTE ON FUNCTION zkml_verify(bytea) TO loan_app;
GRANT SELECT ON receipt_checks TO loan_app;
});
is($node->safe_psql('lender', q{SELECT extversion || ':' || extnamespace::regnamespace FROM pg_extension
	WHERE extname = 'zkml'}), '0.1.0:public', '0.1.0 installs as it did: in the schema of CREATE EXTENSION');
my $scores_q = q{SELECT string_agg(id || '=' || score_of(x), ',' ORDER BY id) FROM apps};
my $scores = $node->safe_psql('lender', $scores_q);
is($node->safe_psql('lender', q{SELECT string_agg(id || ':' || ok, ',' ORDER BY id) FROM receipt_checks}),
	'batch:true,single app-1:true', '0.1.0: the receipts verify');

# A descriptor from elsewhere, to import.
$node->safe_psql('fresh', qq{SELECT version FROM zkml.zkml_register_model('partner', \$doc\$$lr20\$doc\$)});
my $partner_pub = $node->safe_psql('fresh', q{SELECT encode(zkml.zkml_model_public('partner'), 'hex')});

# 0.1.0's declarations, called once more in a new session (this release's library): each
# entry point of 0.1.0's script, with the arguments and result columns 0.1.0 declared.
is($node->safe_psql('lender', q{
SELECT zkml_version();
SELECT count(*) > 0 AND bool_and(ok) FROM zkml_self_test();
SELECT string_agg(pg_typeof(d)::text || ':' || (d).ok || ':' || coalesce((d).reason, '-'), ',')
  FROM (SELECT zkml_verify_detail(r) AS d FROM receipts WHERE id = 'batch') s;
SELECT (zkml_verify_detail(r, zkml_model_public('lr20'))).* FROM receipts WHERE id = 'batch';
SELECT zkml_verify(r, zkml_model_public('lr20', 1)) FROM receipts WHERE id = 'batch';
SELECT zkml_receipt_info(r)->>'rows' FROM receipts WHERE id = 'batch';
SELECT count(*) FROM receipts, zkml_receipt_rows(r) WHERE id = 'batch';
SELECT count(*) FROM receipts, zkml_receipt_rows(r, zkml_model_public('lr20')) WHERE id = 'batch';
SELECT zkml_score('lr20', x) = score_of(x) FROM apps WHERE id = 'app-2';
SELECT zkml_verify(zkml_prove('lr20', x)) FROM apps WHERE id = 'app-2';
SELECT version FROM zkml_register_model('credit', $doc$} . $credit . qq{\$doc\$, NULL, '{"max_error": 0.5}');
SELECT name || ':' || version FROM zkml_import_model_public('partner', decode('$partner_pub', 'hex'));
SELECT zkml_drop_model('partner');
SELECT string_agg(name || ':' || version, ',' ORDER BY name) FROM zkml_models;
}), "0.2.0\nt\nrecord:true:-\nt|\nt\n6\n6\n6\nt\nt\n1\npartner:1\n1\ncredit:1,lr20:1",
	'0.1.0\'s declarations with this release\'s library: each works as in 0.1.0');

# What the zkml command gets: the old receipts and the descriptor, as files.
my $lr20_pub = $node->safe_psql('lender', q{SELECT encode(zkml_model_public('lr20'), 'hex')});
write_bytes("$dir/lr20.pub", pack('H*', $lr20_pub));
foreach my $id ('batch', 'single app-1')
{
	(my $file = $id) =~ s/ /-/g;
	write_bytes("$dir/$file.receipt",
		pack('H*', $node->safe_psql('lender', qq{SELECT encode(r, 'hex') FROM receipts WHERE id = '$id'})));
}

# ---- refusals: the update changes nothing -------------------------------------------
my $state_q = q{SELECT e.extversion || ':' || e.extnamespace::regnamespace || ':'
	|| (SELECT count(*) FROM pg_proc WHERE pronamespace = 'public'::regnamespace AND proname LIKE 'zkml%')
	FROM pg_extension e WHERE e.extname = 'zkml'};
my $state_010 = $node->safe_psql('lender', $state_q);
like($state_010, qr/^0\.1\.0:public:1[0-9]$/, '0.1.0: its functions are in public');

# a view of the user's on zkml_prove(text, float8[], text), which 0.2.0 replaces
$node->safe_psql('lender', q{CREATE VIEW proofs AS SELECT id, zkml_prove('lr20', x, NULL) AS r FROM apps});
my ($rc, $out, $err) = $node->psql('lender', 'ALTER EXTENSION zkml UPDATE');
like($err, qr/objects of this database use zkml 0\.1\.0 objects that 0\.2\.0 replaces/,
	'a view on zkml_prove(text, float8[], text): the update is refused');
like($err, qr/DETAIL:  view proofs \(uses function zkml_prove\(text,double precision\[\],text\)\)/,
	'the refusal names the view and what it uses');
like($err, qr/HINT:  Drop those objects/, 'and says what to do');
is($node->safe_psql('lender', $state_q), $state_010, 'nothing changed');
$node->safe_psql('lender', 'DROP VIEW proofs');

# a function of the user's in schema zkml named like one of 0.2.0's
$node->safe_psql('lender', q{CREATE FUNCTION zkml.zkml_evaluate(integer) RETURNS integer LANGUAGE sql AS 'SELECT 1'});
($rc, $out, $err) = $node->psql('lender', 'ALTER EXTENSION zkml UPDATE');
like($err, qr/schema zkml holds objects of its own named like zkml 0\.2\.0's/,
	'a function zkml.zkml_evaluate of the user\'s: the update is refused');
like($err, qr/DETAIL:  Not part of the extension: function zkml\.zkml_evaluate\(integer\)\./,
	'the refusal names it');
is($node->safe_psql('lender', $state_q), $state_010, 'nothing changed');
$node->safe_psql('lender', 'DROP FUNCTION zkml.zkml_evaluate(integer)');

# a model name of 64 bytes, which 0.1.0 took and 0.2.0 does not
my $long = 'm' x 64;
$node->safe_psql('lender', qq{SELECT version FROM zkml_import_model_public('$long',
	decode('$partner_pub', 'hex'))});
($rc, $out, $err) = $node->psql('lender', 'ALTER EXTENSION zkml UPDATE');
like($err, qr/models with names longer than 63 bytes are registered here/,
	'a model name of 64 bytes: the update is refused');
like($err, qr/\(64 bytes\)/, 'the refusal gives its length');
is($node->safe_psql('lender', $state_q), $state_010, 'nothing changed');
$node->safe_psql('lender', qq{SELECT zkml_drop_model('$long')});

# ---- the update ---------------------------------------------------------------------
($rc, $out, $err) = $node->psql('lender', 'ALTER EXTENSION zkml UPDATE');
is($rc, 0, 'ALTER EXTENSION zkml UPDATE') or diag($err);
like($err, qr/WARNING:  zkml's functions and views are now in schema zkml/,
	'it warns that the functions moved to schema zkml');
is($node->safe_psql('lender', $state_q), '0.2.0:zkml:0', 'zkml 0.2.0, in schema zkml, nothing of it in public');

is($node->safe_psql('lender', q{SELECT string_agg(id || ':' || ok, ',' ORDER BY id) FROM receipt_checks}),
	'batch:true,single app-1:true', 'the old receipts verify (through the user\'s view)');
is($node->safe_psql('lender', q{SELECT string_agg(id || ':' || (d).ok || ':' || coalesce((d).detail, '-'), ','
	ORDER BY id) FROM (SELECT id, zkml.zkml_verify_detail(r) AS d FROM receipts) s}),
	'batch:true:-,single app-1:true:-', 'the old receipts verify with zkml_verify_detail of 0.2.0');
is($node->safe_psql('lender', q{SELECT encode(zkml.zkml_model_public('lr20'), 'hex')}), $lr20_pub,
	'the descriptor is the same');
foreach my $file ('batch', 'single-app-1')
{
	command_like(['zkml', 'verify', '--public', "$dir/lr20.pub", '--receipt', "$dir/$file.receipt"],
		qr/^valid/, "the zkml command verifies the 0.1.0 receipt $file");
}
is($node->safe_psql('lender', $scores_q), $scores, 'the model scores as before (through the user\'s function)');
is($node->safe_psql('lender', q{
INSERT INTO receipts SELECT 'new single', zkml.zkml_prove('lr20', x, 'after the update') FROM apps WHERE id = 'app-3';
INSERT INTO receipts SELECT 'new batch', zkml.zkml_prove_batch('lr20', id, x, 'after the update' ORDER BY id) FROM apps;
INSERT INTO receipts SELECT 'new committed', zkml.zkml_prove('credit', x, NULL, 'committed') FROM apps WHERE id = 'app-4';
SELECT string_agg(id || ':' || zkml.zkml_verify(r), ',' ORDER BY id) FROM receipts WHERE id LIKE 'new %'}),
	'new batch:true,new committed:true,new single:true', 'it proves new receipts, which verify');
is($node->safe_psql('lender', q{SELECT version FROM zkml.zkml_register_model('lr20', $doc$} . $lr20 . q{$doc$)}),
	'2', 'registering the name again gives the next version');
is($node->safe_psql('lender', q{SELECT string_agg(name || ':' || version || ':' || current || ':' || kind, ','
	ORDER BY name, version) FROM zkml.zkml_models}), 'credit:1:true:dense,lr20:1:false:dense,lr20:2:true:dense',
	'zkml_models of 0.2.0 lists the models of 0.1.0');

# the user's objects: they work (above) and name schema zkml
like($node->safe_psql('lender', q{SELECT pg_get_viewdef('receipt_checks'::regclass)}), qr/zkml\.zkml_verify\(receipts\.r\)/,
	'the user\'s view names zkml.zkml_verify');
like($node->safe_psql('lender', q{SELECT pg_get_functiondef('score_of'::regproc)}), qr/zkml\.zkml_score\('lr20'::text, x\)/,
	'the user\'s BEGIN ATOMIC function names zkml.zkml_score');
is($node->safe_psql('lender', q{SELECT has_function_privilege('loan_app', 'zkml.zkml_verify(bytea)', 'EXECUTE')
	|| ':' || has_table_privilege('loan_app', 'receipt_checks', 'SELECT')}), 'true:true', 'the user\'s grants stay');
is($node->safe_psql('lender', q{SET ROLE loan_app; SELECT string_agg(id || ':' || ok, ',' ORDER BY id)
	FROM receipt_checks WHERE id NOT LIKE 'new %'}), 'batch:true,single app-1:true',
	'loan_app reads the user\'s view, with the user\'s grant on zkml_verify');

# the extension's objects: as a fresh install's
my $diff = catalog_diff($fresh_catalog, $node->safe_psql('lender', $catalog_q));
is($diff, '', 'the extension\'s objects and catalog rows are those of a fresh 0.2.0 install');
is($node->safe_psql('lender', q{SELECT count(*) FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid
	AND d.classid = 'pg_proc'::regclass AND d.deptype = 'e' AND d.refobjid = (SELECT oid FROM pg_extension
	WHERE extname = 'zkml') WHERE p.prosecdef AND p.proconfig IS NULL}), '0',
	'no SECURITY DEFINER function of zkml without its search_path');
is($node->safe_psql('lender', q{SELECT initprivs::text FROM pg_init_privs WHERE objoid = 'zkml.zkml_verify(bytea)'::regprocedure}),
	$node->safe_psql('fresh', q{SELECT initprivs::text FROM pg_init_privs WHERE objoid = 'zkml.zkml_verify(bytea)'::regprocedure}),
	'the initial privileges leave out the user\'s grant');

# ---- a dump of the updated database restores into a fresh 0.2.0 install ----------
$node->command_ok(['pg_dump', '-Fp', '-f', "$dir/lender.sql", '-d', $node->connstr('lender')],
	'pg_dump of the updated database');
my $dump = slurp_file_text("$dir/lender.sql");
like($dump, qr/^CREATE EXTENSION IF NOT EXISTS zkml WITH SCHEMA zkml;$/m, 'the dump creates zkml WITH SCHEMA zkml');
like($dump, qr/^GRANT ALL ON FUNCTION zkml\.zkml_verify\(receipt bytea\) TO loan_app;$/m,
	'the dump keeps the user\'s grant on zkml_verify');
$node->safe_psql('postgres', 'CREATE DATABASE restored OWNER lender_owner');
$node->command_ok(['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '--single-transaction',
	'-d', $node->connstr('restored'), '-f', "$dir/lender.sql"], 'the dump restores into a new database');
is($node->safe_psql('restored', q{SELECT string_agg(id || ':' || ok, ',' ORDER BY id) FROM receipt_checks}),
	'batch:true,new batch:true,new committed:true,new single:true,single app-1:true',
	'restored: every receipt verifies');
is($node->safe_psql('restored', $scores_q), $scores, 'restored: the model scores as before');
is($node->safe_psql('restored', q{SELECT has_function_privilege('loan_app', 'zkml.zkml_verify(bytea)', 'EXECUTE')}),
	't', 'restored: the user\'s grant');
$diff = catalog_diff($fresh_catalog, $node->safe_psql('restored', $catalog_q));
is($diff, '', 'restored: the extension\'s objects are a fresh install\'s');

# ---- security after the update: the database owner against zkml ------------------
sub as_owner { my ($sql) = @_; return $node->psql('lender', $sql, extra_params => ['-U', 'lender_owner']); }
($rc, $out, $err) = as_owner(q{
CREATE FUNCTION public.escalate() RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
    IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
        EXECUTE 'ALTER ROLE lender_owner SUPERUSER';
    END IF;
END $f$;
CREATE FUNCTION public.zkml_receipt_info(bytea) RETURNS jsonb LANGUAGE plpgsql AS $f$
BEGIN PERFORM public.escalate(); RETURN '{"model_digest": "00"}'; END $f$;
CREATE FUNCTION public.zkml_verify(bytea, bytea) RETURNS boolean LANGUAGE plpgsql AS $f$
BEGIN PERFORM public.escalate(); RETURN true; END $f$;
CREATE FUNCTION public.decode(text, text) RETURNS bytea LANGUAGE plpgsql AS $f$
BEGIN PERFORM public.escalate(); RETURN '\x00'; END $f$;
ALTER DATABASE lender SET search_path = public, zkml;
});
is($rc, 0, 'the owner puts functions named as zkml\'s in front of the search_path') or diag($err);
is($node->safe_psql('lender', q{SELECT bool_and(zkml.zkml_verify(r)) || ':' || bool_and((zkml.zkml_verify_detail(r)).ok)
	|| ':' || (SELECT count(*) FROM receipts, zkml.zkml_receipt_rows(r) WHERE id = 'batch')
	FROM receipts}), 'true:true:6', 'superuser: the real verdicts and rows');
is($node->safe_psql('postgres', q{SELECT rolsuper FROM pg_roles WHERE rolname = 'lender_owner'}), 'f',
	'the owner is still not a superuser');
($rc, $out, $err) = as_owner('DROP SCHEMA public CASCADE');
is($rc, 0, 'the owner drops schema public') or diag($err);
is($node->safe_psql('lender', q{SELECT count(*) FROM zkml.model_secrets}), '3', 'the secret keys are still there');
($rc, $out, $err) = as_owner('DROP SCHEMA zkml CASCADE');
like($err, qr/must be owner of schema zkml/, 'the owner may not drop schema zkml');
($rc, $out, $err) = as_owner('DROP EXTENSION zkml');
like($err, qr/must be owner of extension zkml/, 'nor the extension');
($rc, $out, $err) = as_owner('CREATE FUNCTION zkml.zkml_receipt_info(text) RETURNS jsonb LANGUAGE sql AS $$SELECT NULL::jsonb$$');
like($err, qr/permission denied for schema zkml/, 'nor add functions to schema zkml');
is($node->safe_psql('lender', q{SELECT rolsuper FROM pg_roles WHERE rolname = 'lender_owner'}), 'f',
	'the owner is still not a superuser at the end');

# ---- 0.1.0 installed WITH SCHEMA lending --------------------------------------------
$node->safe_psql('postgres', 'CREATE DATABASE lending');
$node->safe_psql('lending', qq{
CREATE SCHEMA lending;
CREATE EXTENSION zkml WITH SCHEMA lending VERSION '0.1.0';
SELECT version FROM lending.zkml_register_model('lr20', \$doc\$$lr20\$doc\$);
CREATE TABLE receipts AS SELECT lending.zkml_prove('lr20', '{$rows[0]}', 'lending') AS r;
});
is($node->safe_psql('lending', q{SELECT count(*) FROM pg_proc WHERE pronamespace = 'lending'::regnamespace}), '16',
	'WITH SCHEMA lending: 0.1.0\'s functions are there');
# updated by another superuser than the one who installed it: the new objects still
# belong to the extension's owner
$node->safe_psql('postgres', 'CREATE ROLE other_superuser SUPERUSER LOGIN');
($rc, $out, $err) = $node->psql('lending', 'ALTER EXTENSION zkml UPDATE', extra_params => ['-U', 'other_superuser']);
is($rc, 0, 'WITH SCHEMA lending: ALTER EXTENSION zkml UPDATE, by another superuser') or diag($err);
is($node->safe_psql('lending', q{SELECT (SELECT count(*) FROM pg_proc WHERE pronamespace = 'lending'::regnamespace)
	|| ':' || (SELECT bool_and(zkml.zkml_verify(r)) FROM receipts)}), '0:true',
	'WITH SCHEMA lending: nothing left in lending, the receipt verifies');
$diff = catalog_diff($fresh_catalog, $node->safe_psql('lending', $catalog_q));
is($diff, '', 'WITH SCHEMA lending: the extension\'s objects are a fresh install\'s, owners included');

# ---- the data of a 0.1.0 build ----------------------------------------------------------
# tests/fixtures/lender-0.1.0.sql, a dump of a database made with 0.1.0 itself (key files,
# descriptors and receipts of the 0.1.0 code; a view, BEGIN ATOMIC and plpgsql functions, a
# generated column, a default, a CHECK constraint, an index and grants on zkml's objects),
# restored over 0.1.0 installed from this release's script, then updated.
$node->safe_psql('postgres', q{
CREATE ROLE lender LOGIN;
GRANT zkml_admin, zkml_prover, zkml_auditor TO lender;
CREATE DATABASE built OWNER lender;
});
$node->safe_psql('built', q{CREATE EXTENSION zkml VERSION '0.1.0'});
$node->command_ok(['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '--single-transaction',
	'-d', $node->connstr('built'), '-f', 'tests/fixtures/lender-0.1.0.sql'],
	'0.1.0 data: the dump of a 0.1.0 build restores over 0.1.0 installed from this release');
my $receipts_q = q{SELECT count(*) || ':' || bool_and(zkml_verify(r)) FROM receipts};
is($node->safe_psql('built', $receipts_q), '4:true', '0.1.0 data: four receipts, valid');
my $scored_q = q{SELECT string_agg(id || '=' || score, ',' ORDER BY id) FROM scored};
my $scored = $node->safe_psql('built', $scored_q);
my $batch = $node->safe_psql('built', q{SELECT encode(r, 'hex') FROM receipts WHERE id = 'batch 2026-11-20'});
write_bytes("$dir/built-batch.receipt", pack('H*', $batch));
write_bytes("$dir/built.pub", pack('H*', $node->safe_psql('built', q{SELECT encode(m.public_file, 'hex')
	FROM receipts r JOIN zkml.models m ON encode(m.digest, 'hex') = r.digest WHERE r.id = 'batch 2026-11-20'})));
($rc, $out, $err) = $node->psql('built', 'ALTER EXTENSION zkml UPDATE');
is($rc, 0, '0.1.0 data: ALTER EXTENSION zkml UPDATE') or diag($err);
$node->safe_psql('postgres', q{ALTER DATABASE built SET search_path = "$user", public, zkml});
is($node->safe_psql('built', $receipts_q), '4:true', '0.1.0 data: the receipts of 0.1.0 verify');
command_like(['zkml', 'verify', '--public', "$dir/built.pub", '--receipt', "$dir/built-batch.receipt"],
	qr/^valid/, '0.1.0 data: and with the zkml command');
is($node->safe_psql('built', $scored_q), $scored, '0.1.0 data: the 0.1.0 keys score as before (the user\'s view)');
is($node->safe_psql('built', q{SELECT score_of('app-01') = (SELECT score FROM scored WHERE id = 'app-01')}), 't',
	'0.1.0 data: the user\'s plpgsql function finds zkml_score through search_path');
is($node->safe_psql('built', q{
INSERT INTO receipts (id, r) SELECT 'after', zkml.zkml_prove('lr20', x, 'after the update') FROM apps WHERE id = 'app-01';
SELECT made_with || ':' || (digest = (SELECT zkml.zkml_models.digest FROM zkml.zkml_models
	WHERE name = 'lr20' AND current)) || ':' || receipt_context(r) || ':' || zkml.zkml_verify(r)
FROM receipts WHERE id = 'after'}), '0.2.0:true:after the update:true',
	'0.1.0 data: a new receipt of a 0.1.0 key, through the default, generated column and CHECK');
is($node->safe_psql('built', q{SELECT id FROM receipts WHERE zkml.zkml_receipt_info(r)->>'context' = 'after the update'}),
	'after', '0.1.0 data: the index expression');
like($node->safe_psql('built', q{SET search_path = public; SELECT pg_get_indexdef('receipts_context'::regclass) || ' '
	|| pg_get_constraintdef((SELECT oid FROM pg_constraint WHERE conname = 'receipts_r_check'))}),
	qr/zkml\.zkml_receipt_info\(r\).*zkml\.zkml_receipt_info\(r\)/s, '0.1.0 data: the index and CHECK name zkml');
is($node->safe_psql('built', q{SELECT has_table_privilege('loan_app', 'zkml.zkml_models', 'SELECT') || ':'
	|| has_function_privilege('loan_app', 'zkml.zkml_verify(bytea)', 'EXECUTE') || ':'
	|| has_table_privilege('loan_app', 'scored', 'SELECT')}), 'true:true:true',
	'0.1.0 data: the grants to loan_app, on the recreated zkml_models too');
$diff = catalog_diff($fresh_catalog, $node->safe_psql('built', $catalog_q) =~ s/loan_app=r\/\w+,?//r);
is($diff, '', '0.1.0 data: the extension\'s objects are a fresh install\'s (but loan_app\'s grant on zkml_models)');

done_testing();
