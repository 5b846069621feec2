#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests, on a free loopback port in a temporary directory.
#
#   scripts/postgres.sh start [DIR]   creates and starts a cluster in DIR (default: a new temporary directory) and
#                                     prints its URL, postgres://postgres@127.0.0.1:PORT/postgres
#   scripts/postgres.sh stop DIR      stops the cluster in DIR and removes DIR
#   scripts/postgres.sh pause DIR     stops the server (fast shutdown: sessions are cut), keeping the data and port
#   scripts/postgres.sh resume DIR    starts a paused server again on the same port
#
# With PG_SSL_DIR=SSLDIR at start, the server has ssl=on with SSLDIR/server.crt and SSLDIR/server.key (copied into
# the cluster, the key with mode 0600) and its pg_hba.conf accepts TCP connections only over TLS (hostssl; hostnossl
# is rejected).
#
# PostgreSQL (and openssl, which the TLS tests use) is installed from Debian's packages (apt-get) when initdb/pg_ctl
# or openssl are missing. PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` user
# (created by the Debian package).
set -euo pipefail

find_bin() {
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then echo "$dir"; return 0; fi
    done
    if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
        dirname "$(command -v initdb)"; return 0
    fi
    return 1
}

install_postgres() {
    echo "postgres.sh: installing PostgreSQL from Debian's packages" >&2
    local sudo=""
    [[ "$(id -u)" == 0 ]] || sudo="sudo"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql openssl >&2
}

# Runs a command as the cluster's owner: `postgres` when we are root, else ourselves.
as_owner() {
    if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
    if command -v python3 >/dev/null; then
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
        return
    fi
    local port
    for _ in $(seq 1 100); do
        port=$((20000 + RANDOM % 20000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
    done
    echo "postgres.sh: no free port found" >&2
    return 1
}

start() {
    local bin dir port
    bin="$(find_bin)" && command -v openssl >/dev/null || { install_postgres; bin="$(find_bin)"; }
    dir="${1:-$(mktemp -d "${TMPDIR:-/tmp}/tiktok-business-pg.XXXXXX")}"
    mkdir -p "$dir"
    if [[ "$(id -u)" == 0 ]]; then
        id postgres >/dev/null 2>&1 || useradd --system --home-dir "$dir" --shell /bin/false postgres
        chown postgres: "$dir"
    fi
    chmod 0700 "$dir"
    cd "$dir"
    as_owner "$bin/initdb" -A trust -U postgres --no-sync -E UTF8 -D "$dir/data" >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2; return 1
    }
    [[ -z "${PG_SSL_DIR:-}" ]] || configure_ssl "$dir" "$PG_SSL_DIR"
    # A port can be taken between choosing it and binding it: try a few.
    for _ in 1 2 3 4 5; do
        port="$(free_port)"
        if start_server "$bin" "$dir" "$port"; then
            echo "$port" >"$dir/port"
            echo "postgres.sh: PostgreSQL running in $dir (stop with: scripts/postgres.sh stop $dir)" >&2
            echo "postgres://postgres@127.0.0.1:$port/postgres"
            return 0
        fi
    done
    cat "$dir/server.log" >&2
    return 1
}

# TLS only: the server's certificate and key from $2, ssl=on (in postgresql.conf, so that resume keeps it), and a
# pg_hba.conf that rejects TCP connections without TLS.
configure_ssl() {
    local dir="$1" ssl="$2"
    install -m 0644 "$ssl/server.crt" "$dir/data/server.crt"
    install -m 0600 "$ssl/server.key" "$dir/data/server.key"
    if [[ "$(id -u)" == 0 ]]; then chown postgres: "$dir/data/server.crt" "$dir/data/server.key"; fi
    cat >>"$dir/data/postgresql.conf" <<EOF
ssl = on
ssl_cert_file = '$dir/data/server.crt'
ssl_key_file = '$dir/data/server.key'
EOF
    cat >"$dir/data/pg_hba.conf" <<EOF
local all all trust
hostnossl all all all reject
hostssl all all all trust
EOF
}

start_server() {
    local bin="$1" dir="$2" port="$3"
    as_owner "$bin/pg_ctl" -w -t 60 -D "$dir/data" -l "$dir/server.log" start \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
-c full_page_writes=off -c max_connections=300" >/dev/null
}

pause() {
    local dir="${1:?usage: scripts/postgres.sh pause DIR}" bin
    bin="$(find_bin)"
    (cd "$dir" && as_owner "$bin/pg_ctl" -w -D "$dir/data" stop -m fast >/dev/null)
}

resume() {
    local dir="${1:?usage: scripts/postgres.sh resume DIR}" bin
    bin="$(find_bin)"
    (cd "$dir" && start_server "$bin" "$dir" "$(cat "$dir/port")")
}

stop() {
    local dir="${1:?usage: scripts/postgres.sh stop DIR}" bin
    if [[ -f "$dir/data/postmaster.pid" ]]; then
        bin="$(find_bin)"
        (cd "$dir" && as_owner "$bin/pg_ctl" -w -D "$dir/data" stop -m immediate >/dev/null) || true
    fi
    rm -rf "$dir"
}

case "${1:-}" in
start) shift; start "$@" ;;
stop) shift; stop "$@" ;;
pause) shift; pause "$@" ;;
resume) shift; resume "$@" ;;
*) echo "usage: scripts/postgres.sh start [DIR] | stop DIR | pause DIR | resume DIR" >&2; exit 2 ;;
esac
