#!/usr/bin/env bash
# bench/sql_prove.sh: zkml_prove_batch and zkml_verify in SQL over 1,024 and 10,000 rows
# of the mlp20 shape, against the zkml command proving and verifying the same rows, on a
# throwaway server (run as root, like tools/test.sh; zkml must be installed).  Each run
# is a new session or a new process, so each pays the first proof's set-up; both use
# their default thread count (one per core, at most 8) and their default part size
# (zkml.rows_per_proof, --rows-per-proof).  Prints "name value" lines: milliseconds,
# median of the runs, and the ratio of SQL to command for each.
#   ZKML_SQL_PROVE_ROWS   the group sizes (default "1024 10000"; "100000" for a day's book)
#   ZKML_SQL_PROVE_RUNS   runs of each (default 3)
#   ZKML_SQL_PROVE_MODEL  mlp20 (protocol version 1) or mlp20v2 (version 2, the default)
#   ZKML_SQL_PROVE_PART   rows of each proof of a larger group, in SQL (zkml.rows_per_proof)
#                         and in the command (--rows-per-proof); default 4096, the
#                         default of zkml.rows_per_proof.  Version 1 is proven in one
#                         proof.
set -euo pipefail
# shellcheck source=tools/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../tools/common.sh"
sizes=${ZKML_SQL_PROVE_ROWS:-1024 10000}
runs=${ZKML_SQL_PROVE_RUNS:-3}
model=${ZKML_SQL_PROVE_MODEL:-mlp20v2}
part=${ZKML_SQL_PROVE_PART:-4096}
case "$model" in mlp20 | mlp20v2) ;; *) echo "ZKML_SQL_PROVE_MODEL: mlp20 or mlp20v2" >&2; exit 2 ;; esac
max=0
for n in $sizes; do
    [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "ZKML_SQL_PROVE_ROWS: positive integers" >&2; exit 2; }
    [ "$n" -gt "$max" ] && max=$n
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "ZKML_SQL_PROVE_RUNS: a positive integer" >&2; exit 2; }
[[ "$part" =~ ^[1-9][0-9]*$ ]] || { echo "ZKML_SQL_PROVE_PART: a positive integer" >&2; exit 2; }
split_sql="SET zkml.rows_per_proof = $part;"
split_cli=(--rows-per-proof "$part")
if [ "$model" = mlp20 ]; then split_sql=""; split_cli=(); fi
zkml_bench_server
cp "$ZKML_ROOT/tests/fixtures/mlp20v2.q.json" "$ZKML_SANDBOX/"
chown "$ZKML_USER": "$ZKML_SANDBOX/mlp20v2.q.json"
zkml_as_user psql -X -q -v ON_ERROR_STOP=1 -v max="$max" >/dev/null <<'SQL'
\set mlp20v2 `cat mlp20v2.q.json`
SELECT zkml_register_model('mlp20v2', :'mlp20v2');
-- row i is fixture row (i - 1) mod 16, as in the command's CSV below
CREATE TABLE apps AS
SELECT i, x FROM generate_series(1, :max) i JOIN rows16 ON n = (i - 1) % 16 + 1;
VACUUM ANALYZE apps;
CREATE TABLE receipts (rows int PRIMARY KEY, r bytea);
SQL

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ms_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }'; }

sql_ms() {  # $1: a statement; prints its milliseconds, in a new session
    zkml_as_user psql -X -q -t -A -v ON_ERROR_STOP=1 <<SQL | tail -n 1
CREATE TEMP TABLE t0 AS SELECT clock_timestamp() AS t;
$1;
SELECT round(extract(epoch FROM clock_timestamp() - t) * 1000, 1) FROM t0;
SQL
}

for n in $sizes; do
    # SQL: prove the batch (kept for the verification runs), then verify it
    times=()
    for _ in $(seq "$runs"); do
        times+=("$(sql_ms "$split_sql DELETE FROM receipts WHERE rows = $n;
            INSERT INTO receipts SELECT $n, zkml_prove_batch('$model', i::text, x ORDER BY i)
            FROM apps WHERE i <= $n")")
    done
    sql_prove=$(printf '%s\n' "${times[@]}" | median)
    times=()
    for _ in $(seq "$runs"); do
        times+=("$(sql_ms "SELECT zkml_verify(r) FROM receipts WHERE rows = $n")")
    done
    sql_verify=$(printf '%s\n' "${times[@]}" | median)
    valid=$(zkml_as_user psql -X -q -t -A -c "SELECT zkml_verify(r) FROM receipts WHERE rows = $n")
    [ "$valid" = t ] || { echo "the SQL receipt of $n rows does not verify" >&2; exit 1; }

    # the command: the same rows, the same model (its own key)
    dir="$ZKML_SANDBOX/cli$n"
    mkdir "$dir"
    "$PG_BINDIR/zkml" keygen --model "$ZKML_ROOT/tests/fixtures/$model.q.json" --out "$dir/k" >/dev/null
    "$PG_BINDIR/zkml" public --key "$dir/k" --out "$dir/p" >/dev/null
    awk -v n="$n" 'NR == 1 { print; next } { r[NR - 2] = $0 }
        END { for (i = 0; i < n; i++) print r[i % 16] }' \
        "$ZKML_ROOT/tests/fixtures/mlp20.rows.csv" >"$dir/rows.csv"
    times=()
    for _ in $(seq "$runs"); do
        t=$(date +%s.%N)
        "$PG_BINDIR/zkml" prove --key "$dir/k" --input "$dir/rows.csv" "${split_cli[@]}" \
            --out "$dir/r" --force >/dev/null
        times+=("$(ms_since "$t")")
    done
    cli_prove=$(printf '%s\n' "${times[@]}" | median)
    times=()
    for _ in $(seq "$runs"); do
        t=$(date +%s.%N)
        "$PG_BINDIR/zkml" verify --public "$dir/p" --receipt "$dir/r" >/dev/null
        times+=("$(ms_since "$t")")
    done
    cli_verify=$(printf '%s\n' "${times[@]}" | median)

    echo "sql_prove_batch_${model}_${n}_ms $sql_prove"
    echo "cli_prove_${model}_${n}_ms $cli_prove"
    awk -v a="$sql_prove" -v b="$cli_prove" -v n="$n" -v m="$model" \
        'BEGIN { printf "sql_over_cli_prove_%s_%d %.3f\n", m, n, a / b }'
    echo "sql_verify_${model}_${n}_ms $sql_verify"
    echo "cli_verify_${model}_${n}_ms $cli_verify"
    awk -v a="$sql_verify" -v b="$cli_verify" -v n="$n" -v m="$model" \
        'BEGIN { printf "sql_over_cli_verify_%s_%d %.3f\n", m, n, a / b }'
done
zkml_cluster_stop >/dev/null
