#!/usr/bin/env bash
# demo.sh: install what is missing, build and install zkml, start a throwaway
# PostgreSQL server, and show the extension at work.
set -euo pipefail
# shellcheck source=tools/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

zkml_require_root
zkml_install_packages
zkml_build
zkml_sandbox
zkml_cluster_start

zkml_log "the zkml command"
"$PG_BINDIR/zkml" version

zkml_log "the extension, through psql"
cp "$ZKML_ROOT/tools/demo.sql" "$ZKML_SANDBOX/demo.sql"
cp "$ZKML_ROOT/tests/fixtures/credit_lr20.float.json" \
    "$ZKML_ROOT/tests/fixtures/credit.calibration.csv" \
    "$ZKML_ROOT/tests/fixtures/credit.holdout.csv" \
    "$ZKML_ROOT/tests/fixtures/trees/xgb100.json" "$ZKML_SANDBOX/"
chown "$ZKML_USER": "$ZKML_SANDBOX"/credit* "$ZKML_SANDBOX/xgb100.json"
zkml_as_user psql -X --no-psqlrc -v ON_ERROR_STOP=1 --echo-all -f "$ZKML_SANDBOX/demo.sql"

zkml_cluster_stop

zkml_log "the zkml command: register the mlp20 model, prove 16 scores, verify them"
fixtures="$ZKML_ROOT/tests/fixtures"
"$PG_BINDIR/zkml" keygen --model "$fixtures/mlp20.q.json" --out "$ZKML_SANDBOX/mlp20.key"
"$PG_BINDIR/zkml" public --key "$ZKML_SANDBOX/mlp20.key" --out "$ZKML_SANDBOX/mlp20.pub"
"$PG_BINDIR/zkml" prove --key "$ZKML_SANDBOX/mlp20.key" --input "$fixtures/mlp20.rows.csv" \
    --context "demo batch" --out "$ZKML_SANDBOX/mlp20.receipt"
"$PG_BINDIR/zkml" inspect "$ZKML_SANDBOX/mlp20.receipt"
"$PG_BINDIR/zkml" verify --public "$ZKML_SANDBOX/mlp20.pub" --receipt "$ZKML_SANDBOX/mlp20.receipt"
