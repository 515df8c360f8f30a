# Interrupting proofs: pg_cancel_backend and statement_timeout stop a long proof at its
# next safe point, the backend stays usable with no thread and no memory left behind, and
# the catalog is untouched; eight sessions that prove and verify at the same time for a
# minute all get receipts that verify, and each backend's memory returns to its level
# after its first round.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);

my $node = PostgreSQL::Test::Cluster->new('interrupts');
$node->init;
$node->append_conf('postgresql.conf', "search_path = '\"\$user\", public, zkml'\nzkml.threads = 2\n");
$node->start;

# A backend's private resident memory (kB; shared buffers excluded) and threads, from /proc.
sub backend_usage
{
	my ($pid) = @_;
	my $status = slurp_file_text("/proc/$pid/status");
	my ($rss) = $status =~ /^RssAnon:\s+(\d+) kB/m;
	my ($threads) = $status =~ /^Threads:\s+(\d+)/m;
	return ($rss, $threads);
}

sub slurp_file_text { my ($f) = @_; open(my $h, '<', $f) or die "$f: $!"; local $/; my $t = <$h>; close $h; return $t; }

my $model = slurp_file_text('tests/fixtures/mlp64.q.json');
my @rows = grep { /\d/ } split /\n/, slurp_file_text('tests/fixtures/mlp64.rows.csv');
shift @rows;    # the header
my $values = join(",\n", map { "('{$_}'::float8[])" } @rows);

$node->safe_psql('postgres', qq{
CREATE EXTENSION zkml;
SELECT version FROM zkml_register_model('m64', \$doc\$$model\$doc\$);
CREATE TABLE rows16 (x float8[]);
INSERT INTO rows16 VALUES $values;
CREATE TABLE big AS SELECT i, x FROM rows16, generate_series(1, 64) i;   -- 1024 rows
});
is($node->safe_psql('postgres', 'SELECT count(*) FROM big'), '1024', 'a batch of 1024 rows');

my $long = "SELECT length(zkml_prove_batch('m64', i::text || x::text, x)) FROM big;";

# A full proof first: its time bounds the cancel's, and it leaves the backend with its
# thread pool and generator tables (what stays for the session's next proofs).
my $bg = $node->background_psql('postgres', on_error_stop => 0);
my $pid = $bg->query_safe('SELECT pg_backend_pid()');
# Signals that end nothing (here: asking the backend to log its memory contexts, which
# sets InterruptPending) arrive during it and must not stop it.
my $t_full = time;
$bg->query_until(qr/full-started/, "\\echo full-started\n$long\n\\echo full-done\n");
for (1 .. 3) {
	usleep(500_000);
	$node->safe_psql('postgres', "SELECT pg_log_backend_memory_contexts($pid)");
}
my $full_out = $bg->query_until(qr/full-done/, '');
$t_full = time - $t_full;
like($full_out, qr/^\d+$/m, 'a proof runs to its end through interrupts that end nothing');
is($bg->{stderr}, '', 'and reports no error');
my ($rss_base, $threads_base) = backend_usage($pid);
diag(sprintf('a full proof of 1024 rows: %.2f s; then %d kB resident, %d threads',
	$t_full, $rss_base, $threads_base));

# pg_cancel_backend during the proof
$bg->query_until(qr/go/, "\\echo go\n$long\n");
usleep(1_500_000);
my $t0 = time;
$node->safe_psql('postgres', q{SELECT pg_cancel_backend(pid) FROM pg_stat_activity
    WHERE query LIKE '%zkml_prove_batch%' AND pid <> pg_backend_pid()});
$node->poll_query_until('postgres', q{SELECT count(*) = 0 FROM pg_stat_activity
    WHERE query LIKE '%zkml_prove_batch%' AND state = 'active' AND pid <> pg_backend_pid()})
  or die 'the proof was not stopped';
my $latency = time - $t0;
diag(sprintf('cancel took effect after %.2f s', $latency));
my $out = $bg->query('SELECT 1 AS still_usable');
like($bg->{stderr}, qr/canceling statement due to user request/, 'pg_cancel_backend stops a proof');
like($out, qr/1/, 'the backend is usable after the cancel');
# the proof stopped at a safe point, not at its end: well within the full proof's time
ok($latency < $t_full / 2, 'the cancel stopped the proof before it could finish');
my ($rss, $threads) = backend_usage($pid);
is($threads, $threads_base, 'no thread left behind by the cancel');
ok($rss < $rss_base + 16384, "no memory left behind by the cancel ($rss kB vs $rss_base kB)");

# statement_timeout during the proof
$bg->{stderr} = '';
$t0 = time;
$bg->query("SET statement_timeout = '1500ms'; $long");
diag(sprintf('statement_timeout of 1.5 s: the statement ended after %.2f s', time - $t0));
like($bg->{stderr}, qr/canceling statement due to statement timeout/,
    'statement_timeout stops a proof');
$bg->query('RESET statement_timeout');
($rss, $threads) = backend_usage($pid);
is($threads, $threads_base, 'no thread left behind by the timeout');
ok($rss < $rss_base + 16384, "no memory left behind by the timeout ($rss kB vs $rss_base kB)");
$bg->quit;

# the catalog is intact, and proofs still work
is($node->safe_psql('postgres', q{SELECT count(*) FROM zkml_models WHERE name = 'm64'}), '1',
    'the model is still registered');

# concurrent sessions: each proves batches of rows and every receipt verifies
my $lr20 = slurp_file_text('tests/fixtures/lr20.q.json');
my @lr = grep { /\d/ } split /\n/, slurp_file_text('tests/fixtures/lr20.rows.csv');
shift @lr;
my $lrvalues = join(",\n", map { "('{$_}'::float8[])" } @lr);
$node->safe_psql('postgres', qq{
SELECT version FROM zkml_register_model('lr20', \$doc\$$lr20\$doc\$);
CREATE TABLE lr (x float8[]);
INSERT INTO lr VALUES $lrvalues;
CREATE TABLE receipts (session int, r bytea);
});
my (@sessions, @pids);
for my $s (1 .. 8) {
	my $p = $node->background_psql('postgres', on_error_stop => 1);
	$p->query_safe('SET zkml.threads = 1');
	push @pids, $p->query_safe('SELECT pg_backend_pid()');
	push @sessions, $p;
}
my $until = time + 60;
my ($rounds, @rss_first) = (0);
while (time < $until) {
	$rounds++;
	# start the round in every session, then wait for all of them: they run at once.
	# Each proves a batch and verifies it.
	for my $s (0 .. $#sessions) {
		$sessions[$s]->query_until(qr/started-$rounds/, "\\echo started-$rounds\n"
			  . "WITH made AS (INSERT INTO receipts SELECT $s, zkml_prove_batch('lr20', x::text, x)"
			  . " FROM lr RETURNING r) SELECT bool_and(zkml_verify(r)) FROM made;\n"
			  . "\\echo done-$rounds\n");
	}
	$_->query_until(qr/done-$rounds/, '') for @sessions;
	@rss_first = map { (backend_usage($_))[0] } @pids if $rounds == 1;
}
my @rss_last = map { (backend_usage($_))[0] } @pids;
diag("8 sessions, $rounds rounds; resident kB after round 1: @rss_first; at the end: @rss_last");
for my $s (0 .. $#pids) {
	ok($rss_last[$s] < $rss_first[$s] + 8192,
		"session $s: memory back to its level after round 1 ($rss_last[$s] vs $rss_first[$s] kB)");
}
$_->quit for @sessions;
my $checked = $node->safe_psql('postgres',
	'SELECT count(*), bool_and(zkml_verify(r)) FROM receipts');
is($checked, (8 * $rounds) . '|t', "8 sessions x $rounds rounds: every receipt verifies");
ok($node->safe_psql('postgres', q{SELECT count(*) FROM pg_stat_activity WHERE state = 'active'
	AND query LIKE '%zkml%' AND pid <> pg_backend_pid()}) == 0, 'no session is still working');

$node->stop;
done_testing();
