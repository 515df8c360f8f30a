# zkml_proof_progress: with zkml in shared_preload_libraries, a proof of 10,000 rows is
# seen from another session while it runs, moving through its phases, with its model,
# rows, session user and (for those allowed) its first and last row keys; its row goes
# when the proof ends.  zkml.log_progress sends each phase's NOTICE as the phase ends,
# while the proof still runs.  A proof cancelled (pg_cancel_backend) or whose backend is
# terminated (pg_terminate_backend) leaves no row behind.  Timing decides nothing here:
# the watchers poll with limits of minutes.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

sub slurp_file_text { my ($f) = @_; open(my $h, '<', $f) or die "$f: $!"; local $/; my $t = <$h>; close $h; return $t; }

my $lr20 = slurp_file_text('tests/fixtures/lr20.q.json');
my @rows = grep { /\d/ } split /\n/, slurp_file_text('tests/fixtures/lr20.rows.csv');
shift @rows;
my $values = join(",\n", map { "($_, '{$rows[$_]}'::float8[])" } 0 .. $#rows);

my $node = PostgreSQL::Test::Cluster->new('proof_progress');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'zkml'\n"
	  . "search_path = '\"\$user\", public, zkml'\n");
$node->start;
$node->safe_psql('postgres', qq{
CREATE EXTENSION zkml;
CREATE ROLE lender_prover LOGIN IN ROLE zkml_prover;
CREATE ROLE lender_auditor LOGIN IN ROLE zkml_auditor;
CREATE ROLE outsider LOGIN;
SELECT version FROM zkml_register_model('lr20', \$doc\$$lr20\$doc\$);
CREATE TABLE sample (n int, x float8[]);
INSERT INTO sample VALUES $values;
-- 10,000 rows keyed app-00001 .. app-10000
CREATE TABLE apps AS
    SELECT 'app-' || lpad(i::text, 5, '0') AS id, s.x
    FROM generate_series(1, 10000) i JOIN sample s ON s.n = i % (SELECT count(*) FROM sample);
GRANT SELECT ON apps TO lender_prover;
-- Polls the view until a proof of another backend has appeared and gone (or the limit):
-- the phases it was seen in, in order, and what it showed of the proof.
CREATE FUNCTION watch_proof(limit_seconds float8) RETURNS text LANGUAGE plpgsql AS \$w\$
DECLARE
    p record;
    phases text[] := '{}';
    facts text := 'never seen';
    seen bool := false;
    deadline timestamptz := clock_timestamp() + make_interval(secs => limit_seconds);
BEGIN
    LOOP
        SELECT * INTO p FROM zkml_proof_progress WHERE pid <> pg_backend_pid();
        IF FOUND THEN
            seen := true;
            IF cardinality(phases) = 0 OR phases[cardinality(phases)] <> replace(p.phase, ' ', '_') THEN
                phases := phases || replace(p.phase, ' ', '_');
            END IF;
            facts := format('model=%s rows=%s user=%s keys=%s..%s elapsed_ok=%s',
                            p.model, p.rows, p.usename, coalesce(p.first_row_key, 'NULL'),
                            coalesce(p.last_row_key, 'NULL'),
                            p.elapsed >= interval '0' AND p.phase_started >= p.started);
        ELSIF seen THEN
            RETURN format('phases=%s %s gone', array_to_string(phases, ','), facts);
        END IF;
        IF clock_timestamp() > deadline THEN
            RETURN format('phases=%s %s limit', array_to_string(phases, ','), facts);
        END IF;
        PERFORM pg_sleep(0.002);
    END LOOP;
END
\$w\$;
GRANT EXECUTE ON FUNCTION watch_proof(float8) TO PUBLIC;
-- Waits until backend pid is seen proving (or the limit), then stops it by how.
CREATE FUNCTION stop_when_proving(pid int, how text, limit_seconds float8) RETURNS bool
LANGUAGE plpgsql AS \$s\$
DECLARE
    deadline timestamptz := clock_timestamp() + make_interval(secs => limit_seconds);
BEGIN
    WHILE NOT EXISTS (SELECT 1 FROM zkml_proof_progress p WHERE p.pid = stop_when_proving.pid) LOOP
        IF clock_timestamp() > deadline THEN
            RETURN false;
        END IF;
        PERFORM pg_sleep(0.002);
    END LOOP;
    IF how = 'cancel' THEN
        RETURN pg_cancel_backend(pid);
    END IF;
    RETURN pg_terminate_backend(pid);
END
\$s\$;
});

my $prove = q{SELECT length(zkml_prove_batch('lr20', id, x ORDER BY id)) > 0 FROM apps;};

# Two watchers start before the proof: the superuser sees the row keys, the auditor not.
my $watch_su = $node->background_psql('postgres', on_error_stop => 1);
my $watch_auditor = $node->background_psql('postgres', on_error_stop => 1,
	extra_params => ['-U', 'lender_auditor']);
$watch_su->query_until(qr/watching/, "\\echo watching\nSELECT watch_proof(600);\n\\echo watched\n");
$watch_auditor->query_until(qr/watching/, "\\echo watching\nSELECT watch_proof(600);\n\\echo watched\n");

# The prover's session, with its NOTICEs: the first phase's arrives while the proof runs.
my $prover = $node->background_psql('postgres', on_error_stop => 1,
	extra_params => ['-U', 'lender_prover']);
$prover->query_safe('SET zkml.log_progress = on');
$prover->query_until(qr/proving/, "\\echo proving\n$prove\n\\echo proved\n");
pump_until($prover->{run}, $prover->{timeout}, \$prover->{stderr},
	qr/NOTICE:  zkml: model "lr20\@1", rows "app-00001" to "app-10000", 10000 rows, witness: \d+ ms/)
  or die 'no NOTICE of the witness phase';
my $during = $node->safe_psql('postgres',
	q{SELECT count(*) FROM zkml_proof_progress WHERE usename = 'lender_prover'});
is($during, '1', 'the witness phase\'s NOTICE reached the client while the proof was running');
my $proved = $prover->query_until(qr/proved/, '');
like($proved, qr/^t$/m, 'the proof of 10,000 rows ends with a receipt');
for my $phase ('witness', 'commitments', 'sumcheck S1', 'sumcheck S2', 'openings') {
	like($prover->{stderr}, qr/zkml: model "lr20\@1", rows "app-00001" to "app-10000", 10000 rows, \Q$phase\E: \d+ ms/,
		"a NOTICE for phase $phase");
}
diag(join("\n", $prover->{stderr} =~ /(zkml: .*)/g));

my $seen = $watch_su->query_until(qr/watched/, '');
diag("superuser's watcher: $seen");
like($seen, qr/ gone$/m, 'the proof was seen, and its row went when it ended');
my @phases = map { s/_/ /gr } split /,/, (($seen =~ /phases=(\S*)/)[0] // '');
ok(@phases >= 2, 'another session saw the proof move through at least two phases (' . join(', ', @phases) . ')');
my %order = ('witness' => 1, 'commitments' => 2, 'sumcheck S1' => 3, 'sumcheck S2' => 4,
	'openings' => 5, 'receipt' => 6);
ok((grep { !exists $order{$_} } @phases) == 0, 'every phase seen is one of the proof\'s');
my @ranks = map { $order{$_} // 0 } @phases;
is(join(',', @ranks), join(',', sort { $a <=> $b } @ranks),
	'the phases were seen in the order the proof runs them');
like($seen, qr/model=lr20\@1 rows=10000 user=lender_prover keys=app-00001\.\.app-10000 elapsed_ok=t/,
	'the superuser sees the model as NAME@VERSION, the rows, the session user and the row keys');

my $seen_auditor = $watch_auditor->query_until(qr/watched/, '');
like($seen_auditor, qr/model=lr20\@1 rows=10000 user=lender_prover keys=NULL\.\.NULL .* gone$/m,
	'an auditor sees the proof but not the row keys of another role\'s proof');
$watch_su->quit;
$watch_auditor->quit;

my ($rc, $out, $err) = $node->psql('postgres', 'SELECT * FROM zkml_proof_progress',
	extra_params => ['-U', 'outsider']);
like($err, qr/permission denied for view zkml_proof_progress/,
	'a role with none of the zkml roles may not read the view');

# A cancelled proof, and a terminated backend, leave no row behind.
for my $how ('cancel', 'terminate') {
	my $p = $node->background_psql('postgres', on_error_stop => 0,
		extra_params => ['-U', 'lender_prover']);
	my $pid = $p->query_safe('SELECT pg_backend_pid()');
	$p->query_until(qr/go/, "\\echo go\n$prove\n");
	is($node->safe_psql('postgres', "SELECT stop_when_proving($pid, '$how', 600)"), 't',
		"the proof was seen running, then stopped ($how)");
	$node->poll_query_until('postgres',
		"SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = $pid AND state = 'active'")
	  or die "the proof was not stopped ($how)";
	if ($how eq 'cancel') {
		$p->query('SELECT 1');
		like($p->{stderr}, qr/canceling statement due to user request/, 'the proof was cancelled');
	}
	is($node->safe_psql('postgres', "SELECT count(*) FROM zkml_proof_progress"), '0',
		"a proof stopped by pg_${how}_backend leaves no row in zkml_proof_progress");
	eval { $p->quit };
}

# a proof after them, in the same slots, ends and goes as well
$node->safe_psql('postgres', $prove, extra_params => ['-U', 'lender_prover']);
is($node->safe_psql('postgres', 'SELECT count(*) FROM zkml_proof_progress'), '0',
	'after a proof that ended normally, no row is left');

$node->stop;
done_testing();
