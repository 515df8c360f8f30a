# A database of zkml 0.1.0 moved to 0.2.0 as the README says ("From 0.1.0"): the 0.1.0
# dump (tests/fixtures/lender-0.1.0.sql, made by make_dump_0.1.0.sh with a 0.1.0 build),
# rewritten by tools/upgrade_0.1.0.pl, restored in one transaction into a new database.
# The models come back with their versions, digests, descriptors, key files and
# verify-only flags; every 0.1.0 receipt verifies; the restored keys score and prove;
# registering a name again takes the next version; the user's view, BEGIN ATOMIC
# function, generated column, default, CHECK constraint, index and grants now name
# schema zkml, and a plpgsql function that calls zkml_score unqualified works through the
# database's search_path.  Done otherwise, the restore fails whole, or loses the user's
# receipts table; a model name too long for 0.2.0 and a user's function named like
# zkml's are caught by the script, and the former also by the restore.
use strict;
use warnings;
use Digest::MD5 qw(md5_hex);
use File::Temp qw(tempdir);
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

sub slurp_file_text { my ($f) = @_; open(my $h, '<', $f) or die "$f: $!"; local $/; my $t = <$h>; close $h; return $t; }
sub slurp_file_bytes { my ($f) = @_; open(my $h, '<:raw', $f) or die "$f: $!"; local $/; my $t = <$h>; close $h; return $t; }
sub write_bytes { my ($f, $b) = @_; open(my $h, '>:raw', $f) or die "$f: $!"; print $h $b; close $h; }

my $fixture = 'tests/fixtures/lender-0.1.0.sql';
my $dump = slurp_file_bytes($fixture);
my $lr20 = slurp_file_text('tests/fixtures/lr20.q.json');
my $dir = tempdir(CLEANUP => 1);

# The rows of a COPY block of the dump, as hashes by column (bytea fields keep COPY's
# \\x prefix).
sub copy_rows {
	my ($table) = @_;
	my ($cols, $body) = $dump =~ /^COPY \Q$table\E \(([^\n]*)\) FROM stdin;\n(.*?)^\\\.\n/ms
		or die "no COPY block for $table in $fixture";
	my @cols = split /, /, $cols;
	return map { my %r; @r{@cols} = split /\t/, $_, -1; \%r } split /\n/, $body;
}
sub outside_copy { my ($text) = @_; $text =~ s/^COPY .*? FROM stdin;\n.*?^\\\.\n//gms; return $text; }
sub hex_of { my ($field) = @_; $field =~ s/^\\\\x// or die "not a bytea field: $field"; return $field; }

# What the 0.1.0 database held, from the dump itself.
my %key_of = map { (hex_of($_->{digest}) => md5_hex(hex_of($_->{key_file}))) } copy_rows('zkml.model_secrets');
my @models = sort { $a->{name} cmp $b->{name} || $a->{version} <=> $b->{version} } copy_rows('zkml.models');
my $models_expected = join(',', map { join(':', $_->{name}, $_->{version}, hex_of($_->{digest}), $_->{verify_only}) } @models);
my $files_expected = join(',', map { join(':', $_->{name}, $_->{version}, md5_hex(hex_of($_->{public_file})),
	$key_of{hex_of($_->{digest})} // '-') } @models);
is(scalar(@models), 3, 'the fixture: three models');
is(scalar(keys %key_of), 2, 'the fixture: two key files (partner is verify-only)');
my @receipt_ids = sort map { $_->{id} } copy_rows('public.receipts');
is(join(',', @receipt_ids), 'app-01 lr20 v1,app-01 partner,batch 2026-11-20,batch 2026-11-21',
	'the fixture: four receipts');

my $node = PostgreSQL::Test::Cluster->new('upgrade');
$node->init;
$node->start;

# Roles first, as pg_dumpall --roles-only of the 0.1.0 cluster gives them: the dump names
# lender (the owner of the user's objects) and loan_app; zkml's own roles come with them,
# and CREATE EXTENSION keeps them.
$node->safe_psql('postgres', q{
CREATE ROLE zkml_admin NOLOGIN;
CREATE ROLE zkml_prover NOLOGIN;
CREATE ROLE zkml_auditor NOLOGIN;
CREATE ROLE lender LOGIN;
CREATE ROLE loan_app NOLOGIN;
GRANT zkml_admin, zkml_prover, zkml_auditor TO lender;
});

my $empty_q = q{SELECT (SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace)
	|| ':' || (SELECT count(*) FROM pg_extension WHERE extname = 'zkml')};

# Done otherwise (1): the 0.1.0 dump as it is, stopping at the first error in one
# transaction: its CREATE EXTENSION asks for schema public, and nothing is restored.
$node->safe_psql('postgres', 'CREATE DATABASE asis');
$node->command_fails_like(['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '--single-transaction',
	'-d', $node->connstr('asis'), '-f', $fixture], qr/extension "zkml" must be installed in schema "zkml"/,
	'the dump as it is: CREATE EXTENSION ... WITH SCHEMA public fails');
is($node->safe_psql('asis', $empty_q), '0:0', 'the dump as it is: nothing restored');

# Done otherwise (2): CREATE EXTENSION zkml first, then the dump as it is with its errors
# let through: the catalog's rows come back, but the table whose CREATE TABLE names
# public.zkml_receipt_info does not, and its receipts are lost; so do the view, the
# BEGIN ATOMIC function and the grants.
$node->safe_psql('postgres', 'CREATE DATABASE first');
$node->safe_psql('first', 'CREATE EXTENSION zkml');
my ($out, $err) = run_command(['psql', '-X', '-q', '-d', $node->connstr('first'), '-f', $fixture]);
like($err, qr/function public\.zkml_receipt_info\(bytea\) does not exist/,
	'extension first, dump as it is: the receipts table fails');
is($node->safe_psql('first', q{SELECT count(*) || ':' || (to_regclass('public.receipts') IS NULL)
	|| ':' || (to_regclass('public.scored') IS NULL) FROM zkml.models}), '3:true:true',
	'extension first, dump as it is: models restored, the receipts table and the view lost');

# A model name of 64 bytes (32 characters: 0.1.0 counted characters, up to 200) in the
# dump: the script names it and fails, and the restore of its output fails whole.
my $long = "\xc3\xa9" x 32;
(my $long_dump = $dump) =~ s/^partner\t1\t/$long\t1\t/m or die;
write_bytes("$dir/long-0.1.0.sql", $long_dump);
my $ok = IPC::Run::run(['tools/upgrade_0.1.0.pl', "$dir/long-0.1.0.sql"], '>', "$dir/long.sql", '2>', \$err);
ok(!$ok, 'a model name of 64 bytes: the script fails');
like($err, qr/rename these.*\n  \Q$long\E \(64 bytes\)/s, 'a model name of 64 bytes: the script names it');
$node->safe_psql('postgres', 'CREATE DATABASE long');
$node->command_fails_like(['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '--single-transaction',
	'-d', $node->connstr('long'), '-f', "$dir/long.sql"], qr/violates check constraint "models_name_check"/,
	'a model name of 64 bytes: the restore fails');
is($node->safe_psql('long', $empty_q), '0:0', 'a model name of 64 bytes: nothing restored');

# A function of the user's in public named like one of zkml's (an overload): the script
# would move it into schema zkml; it names it and fails.
(my $clash_dump = $dump) =~ s/^(-- PostgreSQL database dump complete)$/--
-- Name: zkml_score(integer); Type: FUNCTION; Schema: public; Owner: lender
--

CREATE FUNCTION public.zkml_score(x integer) RETURNS integer LANGUAGE sql AS 'SELECT x';

$1/m or die;
write_bytes("$dir/clash-0.1.0.sql", $clash_dump);
$ok = IPC::Run::run(['tools/upgrade_0.1.0.pl', "$dir/clash-0.1.0.sql"], '>', "$dir/clash.sql", '2>', \$err);
ok(!$ok, 'a function of the user\'s named zkml_score: the script fails');
like($err, qr/rename them.*\n  FUNCTION zkml_score\(integer\) \(schema public\)$/m,
	'a function of the user\'s named zkml_score: the script names it');

# The procedure: rewrite the dump, restore it in one transaction into a new database,
# give the database a search_path with zkml.
$ok = IPC::Run::run(['tools/upgrade_0.1.0.pl', $fixture], '>', "$dir/lender-0.2.0.sql", '2>', \$err);
ok($ok, 'tools/upgrade_0.1.0.pl rewrites the dump');
like($err, qr/^CREATE EXTENSION zkml: installs 0\.2\.0 into schema zkml \(was WITH SCHEMA public\)$/m,
	'the script reports the CREATE EXTENSION');
like($err, qr/^TABLE receipts \(schema public\): zkml\.zkml_receipt_info, zkml\.zkml_version$/m,
	'the script reports the table it changed');
like($err, qr/^8 references to zkml's functions and view now name schema zkml$/m,
	'the script reports eight references');
my $rewritten = slurp_file_bytes("$dir/lender-0.2.0.sql");
my @copy_new = $rewritten =~ /^COPY .*? FROM stdin;\n.*?^\\\.\n/gms;
my @copy_old = $dump =~ /^COPY .*? FROM stdin;\n.*?^\\\.\n/gms;
ok(@copy_new == 4 && join('', @copy_new) eq join('', @copy_old), 'the rewritten dump: the same table data');
unlike(outside_copy($rewritten), qr/public\.zkml_/, 'the rewritten dump: no public.zkml_ left outside table data');

$node->safe_psql('postgres', 'CREATE DATABASE lender OWNER lender');
$node->command_ok(['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '--single-transaction',
	'-d', $node->connstr('lender'), '-f', "$dir/lender-0.2.0.sql"], 'the rewritten dump restores');
$node->safe_psql('postgres', q{ALTER DATABASE lender SET search_path = "$user", public, zkml});

# CREATE EXTENSION zkml before the rewritten dump does no harm: the dump's is skipped.
$node->safe_psql('postgres', 'CREATE DATABASE first2');
$node->safe_psql('first2', 'CREATE EXTENSION zkml');
$node->command_ok(['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '--single-transaction',
	'-d', $node->connstr('first2'), '-f', "$dir/lender-0.2.0.sql"], 'the rewritten dump restores after CREATE EXTENSION');
is($node->safe_psql('first2', q{SELECT count(*) || ':' || bool_and(zkml.zkml_verify(r)) FROM receipts}), '4:true',
	'... and its receipts verify');

is($node->safe_psql('lender', q{SELECT extversion || ':' || extnamespace::regnamespace FROM pg_extension
	WHERE extname = 'zkml'}), '0.2.0:zkml', 'zkml 0.2.0, in schema zkml');
is($node->safe_psql('lender', q{SELECT count(*) FROM pg_proc
	WHERE pronamespace = 'public'::regnamespace AND proname LIKE 'zkml%'}), '0', 'nothing of zkml in public');

# Models: names, versions, digests, flags, descriptors and key files.
is($node->safe_psql('lender', q{SELECT string_agg(name || ':' || version || ':' || digest || ':'
	|| CASE WHEN verify_only THEN 't' ELSE 'f' END, ',' ORDER BY name, version) FROM zkml.zkml_models}),
	$models_expected, 'the same models, versions, digests and verify_only flags');
is($node->safe_psql('lender', q{SELECT string_agg(m.name || ':' || m.version || ':'
	|| md5(encode(m.public_file, 'hex')) || ':' || COALESCE(md5(encode(s.key_file, 'hex')), '-'), ','
	ORDER BY m.name, m.version) FROM zkml.models m LEFT JOIN zkml.model_secrets s USING (digest)}),
	$files_expected, 'the same public descriptors and key files');

# Every 0.1.0 receipt verifies, against the catalog and against the model's descriptor.
my $verify_q = q{SELECT string_agg(r.id || '=' || m.name || ' v' || m.version || ':'
	|| zkml.zkml_verify(r.r) || ':' || zkml.zkml_verify(r.r, zkml.zkml_model_public(m.name, m.version))
	|| ':' || (zkml.zkml_verify_detail(r.r)).ok, ',' ORDER BY r.id)
	FROM receipts r JOIN zkml.zkml_models m ON m.digest = zkml.zkml_receipt_info(r.r) ->> 'model_digest'
	WHERE r.id NOT LIKE '% after'};
my $verify_expected = 'app-01 lr20 v1=lr20 v1:true:true:true,app-01 partner=partner v1:true:true:true,'
	. 'batch 2026-11-20=lr20 v2:true:true:true,batch 2026-11-21=lr20 v2:true:true:true';
is($node->safe_psql('lender', $verify_q), $verify_expected,
	'every 0.1.0 receipt verifies: zkml_verify(receipt), zkml_verify(receipt, descriptor), zkml_verify_detail');

# The user's objects.
is($node->safe_psql('lender', q{SELECT count(*) || ':' || bool_and(digest = zkml.zkml_receipt_info(r) ->> 'model_digest')
	|| ':' || string_agg(DISTINCT made_with, ',') FROM receipts}), '4:true:0.1.0',
	'the receipts table: its rows, the generated column computed again, the defaulted column as it was');
is($node->safe_psql('lender', q{SELECT string_agg(DISTINCT note, ',') FROM receipts}),
	q{public.zkml_prove_batch('lr20', id, x ORDER BY id) ... GROUP BY day}, 'table data naming public.zkml_ is left as it was');
is($node->safe_psql('lender', q{SET search_path = public;
	SELECT string_agg(d, ',' ORDER BY n, d COLLATE "C") FROM (
		SELECT 1 AS n, pg_get_constraintdef(oid) AS d FROM pg_constraint
			WHERE conrelid = 'receipts'::regclass AND contype = 'c'
		UNION ALL SELECT 2, pg_get_indexdef('receipts_context'::regclass)
		UNION ALL SELECT 3, pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 'receipts'::regclass) s}),
	q{CHECK (((zkml.zkml_receipt_info(r) ->> 'format'::text) = 'ZKMLRCT1'::text)),}
	. q{CREATE INDEX receipts_context ON public.receipts USING btree (((zkml.zkml_receipt_info(r) ->> 'context'::text))),}
	. q{(zkml.zkml_receipt_info(r) ->> 'model_digest'::text),}
	. q{zkml.zkml_version()},
	'the CHECK constraint, the index, the default and the generated column call zkml\'s functions in zkml');
is($node->safe_psql('lender', q{SET search_path = public; SELECT (pg_get_viewdef('scored') LIKE '%zkml.zkml_score(%')
	|| ':' || (SELECT count(*) || ':' || bool_and(s.score = zkml.zkml_score('lr20', a.x))
		FROM scored s JOIN apps a USING (id))}), 'true:16:true', 'the view calls zkml.zkml_score');
is($node->safe_psql('lender', q{SET search_path = public; SELECT (pg_get_functiondef('receipt_context'::regproc) LIKE '%zkml.zkml_receipt_info(%')
	|| ':' || receipt_context(r) FROM receipts WHERE id = 'app-01 lr20 v1'}), 'true:app-01',
	'the BEGIN ATOMIC function calls zkml.zkml_receipt_info');
is($node->safe_psql('lender', q{SELECT score_of('app-03') = zkml.zkml_score('lr20', x) FROM apps WHERE id = 'app-03'}),
	't', 'the plpgsql function finds zkml_score through the database\'s search_path');
my ($rc, $stdout, $stderr) = $node->psql('lender', q{SET search_path = "$user", public; SELECT score_of('app-03')});
like($stderr, qr/function zkml_score\(unknown, double precision\[\]\) does not exist/,
	'... and not without zkml in search_path');
is($node->safe_psql('lender', q{SELECT has_function_privilege('loan_app', 'zkml.zkml_verify(bytea)', 'EXECUTE')
	|| ':' || has_table_privilege('loan_app', 'zkml.zkml_models', 'SELECT')
	-- scoring is zkml_prover's privileges, checked by zkml_score itself
	|| ':' || pg_has_role('loan_app', 'zkml_prover', 'USAGE')
	|| ':' || has_table_privilege('loan_app', 'receipts', 'SELECT')}), 'true:true:false:true',
	'the grants on zkml\'s objects follow them to schema zkml, and no more');
is($node->safe_psql('lender', q{SET ROLE loan_app; SELECT bool_and(zkml.zkml_verify(r)) FROM receipts}), 't',
	'loan_app verifies the receipts');
is($node->safe_psql('lender', q{SELECT string_agg(c.relname || '=' || pg_get_userbyid(c.relowner), ',' ORDER BY c.relname)
	FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'v')}),
	'apps=lender,receipts=lender,scored=lender', 'the user\'s objects keep their owner');

# The restored keys: the batch receipts' scores are the ones zkml_score gives now, new
# proofs verify and name lr20 version 2; the imported model still cannot score.
is($node->safe_psql('lender', q{SELECT count(*) || ':' || bool_and(rr.score = zkml.zkml_score('lr20', a.x))
	FROM receipts r, zkml.zkml_receipt_rows(r.r) rr JOIN apps a ON a.id = rr.row_key
	WHERE r.id LIKE 'batch %'}), '16:true', 'the scores of the 0.1.0 batch receipts are zkml_score\'s');
is($node->safe_psql('lender', q{SET ROLE lender;
	INSERT INTO receipts (id, r) SELECT 'app-05 after', zkml.zkml_prove('lr20', x, 'after') FROM apps WHERE id = 'app-05';
	INSERT INTO receipts (id, r) SELECT 'batch after', zkml.zkml_prove_batch('lr20', id, x ORDER BY id) FROM apps;
	SELECT string_agg(r.id || ':' || zkml.zkml_verify(r.r) || ':' || m.version || ':' || r.made_with, ','
		ORDER BY r.id) FROM receipts r JOIN zkml.zkml_models m USING (digest) WHERE r.id LIKE '% after'}),
	'app-05 after:true:2:0.2.0,batch after:true:2:0.2.0', 'new proofs with the restored key verify');
($rc, $stdout, $stderr) = $node->psql('lender', q{SELECT zkml.zkml_score('partner', x) FROM apps LIMIT 1});
like($stderr, qr/model "partner" is verify-only in this database/, 'the imported model is still verify-only');
is($node->safe_psql('lender', qq{SET ROLE lender;
	SELECT version FROM zkml.zkml_register_model('lr20', \$doc\$$lr20\$doc\$)}), '3',
	'registering lr20 again gives version 3');
is($node->safe_psql('lender', $verify_q), $verify_expected,
	'the 0.1.0 receipts still verify after version 3');

# The upgraded database is a 0.2.0 database like any other: its dump names no
# public.zkml_ and restores with pg_restore --exit-on-error.
($out) = run_command(['pg_dump', '-d', $node->connstr('lender')]);
like($out, qr/^CREATE EXTENSION IF NOT EXISTS zkml WITH SCHEMA zkml;$/m, 'its dump: zkml in schema zkml');
unlike(outside_copy($out . "\n"), qr/public\.zkml_/, 'its dump: no public.zkml_ outside table data');
$node->command_ok(['pg_dump', '-Fc', '-f', "$dir/lender.dump", '-d', $node->connstr('lender')], 'pg_dump -Fc');
$node->safe_psql('postgres', 'CREATE DATABASE again');
$node->command_ok(['pg_restore', '--exit-on-error', '-d', $node->connstr('again'), "$dir/lender.dump"],
	'pg_restore --exit-on-error of the upgraded database');
is($node->safe_psql('again', q{SELECT count(*) || ':' || bool_and(zkml.zkml_verify(r)) FROM receipts}), '6:true',
	'restored again: every receipt verifies');

$node->stop;
done_testing();
