# The database owner as an attacker, and what the server log keeps.  In PostgreSQL 15 the
# schema public belongs to the database owner, who is often not a superuser: that owner
# must not be able to make zkml's SECURITY DEFINER functions run code of theirs (and so
# become superuser, or make a forged receipt verify), nor drop the extension and the
# models' secret keys with their schema.  A failed registration leaves no weight in the
# log.  A user's zkml.threads stays under the superuser's zkml.max_threads, also when a
# parallel query is the first to load zkml in the session.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

sub slurp_file_text { my ($f) = @_; open(my $h, '<', $f) or die "$f: $!"; local $/; my $t = <$h>; close $h; return $t; }

my $node = PostgreSQL::Test::Cluster->new('security');
$node->init;
# log_statement: the test framework's 'all' logs every statement as it starts, whatever
# zkml does (the README says so); the server's default is 'none'.
$node->append_conf('postgresql.conf', "zkml.max_threads = 2\nlog_statement = none\n");
$node->start;

my $lr20 = slurp_file_text('tests/fixtures/lr20.q.json');
my $mlp64 = slurp_file_text('tests/fixtures/mlp64.q.json');
my @rows = grep { /\d/ } split /\n/, slurp_file_text('tests/fixtures/lr20.rows.csv');
shift @rows;

$node->safe_psql('postgres', q{
CREATE ROLE bank_owner LOGIN;
CREATE DATABASE bank OWNER bank_owner;
});
$node->safe_psql('bank', qq{
CREATE EXTENSION zkml;
CREATE ROLE bank_auditor LOGIN IN ROLE zkml_auditor;
CREATE ROLE bank_prover LOGIN IN ROLE zkml_prover;
SELECT version FROM zkml.zkml_register_model('lr20', \$doc\$$lr20\$doc\$);
SELECT version FROM zkml.zkml_register_model('m64', \$doc\$$mlp64\$doc\$);
CREATE SCHEMA audit;   -- the superuser's, out of the owner's reach
GRANT USAGE ON SCHEMA audit TO PUBLIC;
CREATE TABLE audit.receipts (r bytea);
GRANT SELECT ON audit.receipts TO PUBLIC;
INSERT INTO audit.receipts SELECT zkml.zkml_prove('lr20', '{$rows[0]}', 'honest');
CREATE TABLE audit.rows AS SELECT '{$rows[0]}'::float8[] AS x FROM generate_series(1, 8);
ALTER TABLE audit.rows SET (parallel_workers = 2);
GRANT SELECT ON audit.rows TO PUBLIC;
});

sub as_owner { my ($sql) = @_; return $node->psql('bank', $sql, extra_params => ['-U', 'bank_owner']); }
sub owner_is_superuser { return $node->safe_psql('postgres', q{SELECT rolsuper FROM pg_roles WHERE rolname = 'bank_owner'}); }
my $secrets_q = 'SELECT count(*) FROM zkml.model_secrets';

# The owner's attack: public renamed away, a new public with functions named as zkml's,
# in front of everything in the database's search_path.  Each fake escalates when a
# superuser runs it, and says "valid".
my ($rc, $out, $err) = as_owner(q{
ALTER SCHEMA public RENAME TO owner_stuff;
CREATE SCHEMA public;
GRANT USAGE ON SCHEMA public TO PUBLIC;
CREATE FUNCTION public.escalate() RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
    IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
        EXECUTE 'ALTER ROLE bank_owner SUPERUSER';
    END IF;
END $f$;
CREATE FUNCTION public.zkml_receipt_info(bytea) RETURNS jsonb LANGUAGE plpgsql AS $f$
BEGIN PERFORM public.escalate(); RETURN '{"model_digest": "00"}'; END $f$;
CREATE FUNCTION public.zkml_verify(bytea, bytea) RETURNS boolean LANGUAGE plpgsql AS $f$
BEGIN PERFORM public.escalate(); RETURN true; END $f$;
CREATE FUNCTION public.zkml_verify_detail(bytea, bytea, OUT ok boolean, OUT reason text) LANGUAGE plpgsql AS $f$
BEGIN PERFORM public.escalate(); ok := true; END $f$;
CREATE FUNCTION public.zkml_receipt_rows(bytea, bytea) RETURNS TABLE(row_key text, features float8[], score float8)
LANGUAGE plpgsql AS $f$ BEGIN PERFORM public.escalate(); RETURN QUERY SELECT 'fake', '{}'::float8[], 1.0::float8; END $f$;
CREATE FUNCTION public.decode(text, text) RETURNS bytea LANGUAGE plpgsql AS $f$
BEGIN PERFORM public.escalate(); RETURN '\x00'; END $f$;
ALTER DATABASE bank SET search_path = public, owner_stuff, zkml;
});
is($rc, 0, 'the owner sets the trap') or diag($err);

# Superuser and auditor call zkml's functions by their schema-qualified names (what the
# README asks of roles that do not trust the database owner).
my $checks = q{SELECT zkml.zkml_verify(r), (zkml.zkml_verify_detail(r)).ok,
    (SELECT count(*) || ' row of ' || min(array_length(features, 1)) FROM zkml.zkml_receipt_rows(r))
    FROM audit.receipts};
is($node->safe_psql('bank', $checks), 't|t|1 row of 20', 'superuser: the real verdicts and rows');
is($node->safe_psql('bank', $checks, extra_params => ['-U', 'bank_auditor']), 't|t|1 row of 20',
	'auditor: the real verdicts and rows');
($rc, $out, $err) = $node->psql('bank', q{SELECT zkml.zkml_verify('\x00'::bytea)});
isnt($out, 't', 'a forged receipt does not verify');
like($err, qr/not a zkml receipt/, 'it is an error: not a receipt');
is(owner_is_superuser(), 'f', 'the owner is still not a superuser');

# The owner drops what it owns: its schemas go, the extension and the secrets stay.
my $secrets = $node->safe_psql('bank', $secrets_q);
is($secrets, '2', 'two secret keys');
($rc, $out, $err) = as_owner('DROP SCHEMA public CASCADE; DROP SCHEMA owner_stuff CASCADE;');
is($rc, 0, 'the owner drops its own schemas') or diag($err);
is($node->safe_psql('bank', $secrets_q), $secrets, 'the secret keys are still there');
is($node->safe_psql('bank', q{SELECT count(*) FROM pg_extension WHERE extname = 'zkml'}), '1',
	'the extension is still there');
($rc, $out, $err) = as_owner('DROP SCHEMA zkml CASCADE');
like($err, qr/must be owner of schema zkml/, 'the owner may not drop schema zkml');
($rc, $out, $err) = as_owner('DROP EXTENSION zkml');
like($err, qr/must be owner of extension zkml/, 'nor the extension');
($rc, $out, $err) = as_owner('CREATE FUNCTION zkml.zkml_receipt_info(text) RETURNS jsonb LANGUAGE sql AS $$SELECT NULL::jsonb$$');
like($err, qr/permission denied for schema zkml/, 'nor add functions to schema zkml');
is($node->safe_psql('bank', q{SELECT zkml.zkml_verify(r) FROM audit.receipts}), 't', 'receipts still verify');
is(owner_is_superuser(), 'f', 'the owner is still not a superuser at the end');

# A failed registration leaves no weight in the server log: not in the statement, not in
# a message.  The document carries a bias no other text has, and fails in the core
# (an unknown activation) or in the SQL function (options given with a quantized model).
(my $marked = $lr20) =~ s/"bias":\[-?\d+\]/"bias":[7654321]/ or die 'no bias to mark';
(my $broken = $marked) =~ s/"identity"|"sigmoid"|"relu"/"no-such-activation"/ or die 'no activation';
my $log_start = -s $node->logfile;
($rc, $out, $err) = $node->psql('bank',
	qq{SELECT zkml.zkml_register_model('marked', \$doc\$$broken\$doc\$)});
like($err, qr/not a valid model document/, 'the core refuses the document');
($rc, $out, $err) = $node->psql('bank',
	qq{SELECT zkml.zkml_register_model('marked', \$doc\$$marked\$doc\$, options => '{"xbits": 8}')});
like($err, qr/apply to float models only/, 'the SQL function refuses the options');
# After those, statements are logged again.
$node->psql('bank', 'SELECT 1/0 AS zkml_log_marker');
my $log = substr(slurp_file_text($node->logfile), $log_start);
like($log, qr/not a valid model document/, 'the log has the first error');
like($log, qr/apply to float models only/, 'and the second');
unlike($log, qr/7654321/, 'and no weight');
like($log, qr/STATEMENT:\s+SELECT 1\/0 AS zkml_log_marker/, 'other statements are logged as before');

# Threads: a user's zkml.threads under the superuser's zkml.max_threads.  The backend's
# thread count is watched during a proof; with the ceiling at 1 it never grows.  Statements
# in @first run before the proof, once zkml.threads is set (before zkml is loaded).
sub max_threads_during_proof
{
	my ($setting, @first) = @_;
	my $bg = $node->background_psql('bank', on_error_stop => 1, extra_params => ['-U', 'bank_prover']);
	my $pid = $bg->query_safe('SELECT pg_backend_pid()');
	$bg->query_safe("SET zkml.threads = $setting");
	$bg->query_safe($_) foreach @first;
	$bg->query_until(qr/started/, "\\echo started\n"
		  . "SELECT length(zkml.zkml_prove_batch('m64', i::text, array_fill(i::float8 / 100, ARRAY[64]))) FROM generate_series(1, 128) i;\n"
		  . "\\echo finished\n");
	my $most = 0;
	while ($node->safe_psql('bank', "SELECT state FROM pg_stat_activity WHERE pid = $pid") ne 'idle')
	{
		my ($threads) = slurp_file_text("/proc/$pid/status") =~ /^Threads:\s+(\d+)/m;
		$most = $threads if $threads > $most;
		usleep(10_000);
	}
	$bg->query_until(qr/finished/, '');
	$bg->quit;
	return $most;
}
is(max_threads_during_proof(2), 2, 'ceiling 2, threads 2: the proof runs on two threads');
$node->append_conf('postgresql.conf', "zkml.max_threads = 1\n");
$node->reload;
is(max_threads_during_proof(2), 1, 'ceiling 1, threads 2: one thread only');
# zkml first loaded by a parallel query, in the leader (no workers), after the prover's
# own ceiling of 64 (a placeholder until then): the ceiling of postgresql.conf holds, for
# the setting and for the core's thread count.  zkml_evaluate, SECURITY DEFINER, loads
# the library at its first call, in parallel mode (zkml_score, a plain C function, loads
# it as the executor starts, before parallel mode, where PostgreSQL refuses the
# placeholder itself, with a warning).
my @parallel_first = ('SET zkml.max_threads = 64', 'SET parallel_setup_cost = 0',
	'SET parallel_tuple_cost = 0', 'SET min_parallel_table_scan_size = 0',
	'SET max_parallel_workers = 0');
my $first_load = q{SELECT count((zkml.zkml_evaluate('lr20', ARRAY[x])).rows) FROM audit.rows};
like($node->safe_psql('bank', join(";\n", @parallel_first) . ";\nEXPLAIN (COSTS OFF) $first_load",
	extra_params => ['-U', 'bank_prover']), qr/Gather/, 'the first call is in a parallel plan');
is(max_threads_during_proof(2, @parallel_first, $first_load), 1,
	'ceiling 1, threads 2, zkml first loaded in parallel mode: one thread only');
is($node->safe_psql('bank', join(";\n", @parallel_first, $first_load, 'SHOW zkml.max_threads'),
	extra_params => ['-U', 'bank_prover']), "8\n1", 'and the ceiling is shown');

done_testing();
