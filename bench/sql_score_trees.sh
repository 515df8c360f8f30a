#!/usr/bin/env bash
# bench/sql_score_trees.sh: zkml_score throughput in SQL over 100,000 rows on XGBoost's
# 100 trees of depth 6 (tests/fixtures/trees/xgb100.json), rows of German Credit with
# missing values (NULL), on a throwaway server (run as root, like tools/test.sh; zkml
# must be installed for $PG_CONFIG).  Prints "name value" lines: rows per second,
# serial and with 2 parallel workers, median of 3 runs each.
set -euo pipefail
# shellcheck source=tools/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../tools/common.sh"
zkml_bench_server
cp "$ZKML_ROOT/tests/fixtures/trees/xgb100.json" \
    "$ZKML_ROOT/tests/fixtures/trees/credit_gaps.rows.csv" "$ZKML_SANDBOX/"
chown "$ZKML_USER": "$ZKML_SANDBOX/xgb100.json" "$ZKML_SANDBOX/credit_gaps.rows.csv"
zkml_as_user psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
\set xgb100 `cat xgb100.json`
SELECT zkml_register_model('xgb100', :'xgb100');
CREATE TABLE gaps (n serial, x float8[]);
\copy gaps(x) FROM PROGRAM 'tail -n +2 credit_gaps.rows.csv | sed -e "s/,,/,NULL,/g" -e "s/,,/,NULL,/g" -e "s/^,/NULL,/" -e "s/,$/,NULL/" -e "s/^/{/" -e "s/$/}/"'
CREATE TABLE apps AS SELECT i, x FROM gaps, generate_series(1, 250) i;     -- 100,000 rows
VACUUM ANALYZE apps;
SQL
run() {     # $1: max_parallel_workers_per_gather; prints seconds of the scoring query
    zkml_as_user psql -X -q -t -A -v ON_ERROR_STOP=1 <<SQL
SET max_parallel_workers_per_gather = $1;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET zkml.threads = 1;
SELECT count(*) FROM apps;      -- warm the table
CREATE TEMP TABLE t0 AS SELECT clock_timestamp() AS t;
SELECT sum(zkml_score('xgb100', x)) IS NOT NULL FROM apps;
SELECT extract(epoch FROM clock_timestamp() - t) FROM t0;
SQL
}
for workers in 0 2; do
    times=()
    for _ in 1 2 3; do
        times+=("$(run "$workers" | tail -n 1)")
    done
    median=$(printf '%s\n' "${times[@]}" | sort -g | sed -n 2p)
    awk -v s="$median" -v w="$workers" \
        'BEGIN { printf "zkml_score_xgb100_100000_rows_workers%d_rows_per_s %.0f\n", w, 100000 / s }'
done
zkml_cluster_stop >/dev/null
