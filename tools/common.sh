# shellcheck shell=bash
# common.sh: what demo.sh and test.sh share.  Sourced, not run.
#
# Both scripts install what is missing, build and install zkml, then work as an
# unprivileged user in a throwaway directory: a PostgreSQL server refuses to run as
# root, and the checkout may sit where other users cannot read.

# Debian packages needed to build, install and test zkml.
ZKML_PACKAGES=(
    build-essential
    make
    gcc
    postgresql-15
    postgresql-server-dev-15
    libgmp-dev
    libssl-dev
    libipc-run-perl
    clang
    libclang-rt-14-dev
    python3
)

ZKML_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ZKML_USER=${ZKML_USER:-zkmltest}
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
ZKML_PORT=5432   # on a private socket directory, so it cannot clash with another server

# Installed files must be readable by the server, whatever umask the caller has.
umask 022

zkml_log() {
    printf '\n== %s\n' "$*"
}

zkml_require_root() {
    if [ "$(id -u)" -ne 0 ]; then
        echo "$(basename "$0"): must run as root, e.g. sudo $0" >&2
        exit 1
    fi
}

zkml_install_packages() {
    local missing=() pkg
    for pkg in "${ZKML_PACKAGES[@]}"; do
        if [ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null)" != installed ]; then
            missing+=("$pkg")
        fi
    done
    if [ ${#missing[@]} -gt 0 ]; then
        zkml_log "installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q </dev/null
        apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
    fi
    PG_BINDIR=$("$PG_CONFIG" --bindir)
}

# Build and install the extension and the zkml command.
zkml_build() {
    zkml_log "building"
    make -C "$ZKML_ROOT" -j2 PG_CONFIG="$PG_CONFIG"
    zkml_log "installing"
    make -C "$ZKML_ROOT" install PG_CONFIG="$PG_CONFIG"
}

# A directory owned by $ZKML_USER (created if missing), removed on exit together with
# any server started in it.
zkml_sandbox() {
    if ! id -u "$ZKML_USER" >/dev/null 2>&1; then
        useradd --system --user-group --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin "$ZKML_USER"
    fi
    ZKML_SANDBOX=$(mktemp -d -t zkml.XXXXXX)
    chown "$ZKML_USER": "$ZKML_SANDBOX"
    trap zkml_cleanup EXIT
}

zkml_cleanup() {
    local status=$?
    if [ -f "$ZKML_SANDBOX/data/postmaster.pid" ]; then
        zkml_as_user pg_ctl -D "$ZKML_SANDBOX/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$ZKML_SANDBOX"
    exit "$status"
}

# Run a command as $ZKML_USER in the sandbox, with the server's programs on PATH and
# libpq pointed at the private socket.
zkml_as_user() {
    (cd "$ZKML_SANDBOX" &&
        runuser -u "$ZKML_USER" -- env \
            HOME="$ZKML_SANDBOX" \
            PATH="$PG_BINDIR:$PATH" \
            PGHOST="$ZKML_SANDBOX/socket" \
            PGPORT="$ZKML_PORT" \
            PGDATABASE=postgres \
            "$@")
}

# Settings (NAME=VALUE) that zkml_cluster_start adds to the server's environment:
# threads that wait sleep instead of spinning (README.md, "The server's environment").
ZKML_SERVER_ENV_DEFAULT=(OMP_WAIT_POLICY=passive)
ZKML_SERVER_ENV=("${ZKML_SERVER_ENV_DEFAULT[@]}")

# A fresh cluster that listens on a Unix socket in the sandbox only.
zkml_cluster_start() {
    zkml_log "starting a throwaway PostgreSQL server"
    zkml_as_user mkdir "$ZKML_SANDBOX/socket"
    zkml_as_user initdb -D "$ZKML_SANDBOX/data" --auth=trust --no-locale --encoding=UTF8 \
        --no-sync >"$ZKML_SANDBOX/initdb.log" ||
        { cat "$ZKML_SANDBOX/initdb.log" >&2; return 1; }
    zkml_as_user "${ZKML_SERVER_ENV[@]}" pg_ctl -D "$ZKML_SANDBOX/data" \
        -l "$ZKML_SANDBOX/server.log" -w -t 60 \
        -o "-c listen_addresses='' -k '$ZKML_SANDBOX/socket' -p $ZKML_PORT -c fsync=off" start ||
        { cat "$ZKML_SANDBOX/server.log" >&2; return 1; }
}

zkml_cluster_stop() {
    zkml_as_user pg_ctl -D "$ZKML_SANDBOX/data" -m fast -w stop
}

# For the SQL benchmarks: a throwaway server (as zkml_cluster_start) with the extension,
# the mlp20 fixture registered as "mlp20" and its 16 rows in table rows16 (n, x).
zkml_bench_server() {
    zkml_require_root
    zkml_install_packages >/dev/null
    zkml_sandbox
    zkml_cluster_start >/dev/null
    cp "$ZKML_ROOT/tests/fixtures/mlp20.q.json" "$ZKML_ROOT/tests/fixtures/mlp20.rows.csv" \
        "$ZKML_SANDBOX/"
    chown "$ZKML_USER": "$ZKML_SANDBOX"/mlp20.*
    zkml_as_user psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
CREATE EXTENSION zkml;
ALTER DATABASE postgres SET search_path = "$user", public, zkml;
SET search_path = "$user", public, zkml;
\set mlp20 `cat mlp20.q.json`
SELECT zkml_register_model('mlp20', :'mlp20');
CREATE TABLE rows16 (n serial, x float8[]);
\copy rows16(x) FROM PROGRAM 'tail -n +2 mlp20.rows.csv | sed -e "s/^/{/" -e "s/$/}/"'
SQL
}
