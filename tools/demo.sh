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
zkml_as_user psql -X --no-psqlrc -v ON_ERROR_STOP=1 --echo-all -f "$ZKML_SANDBOX/demo.sql"

zkml_cluster_stop
