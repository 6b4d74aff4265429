#!/usr/bin/env bash
# Makes a machine ready to build and test Troupe: the pinned pnpm, the dependencies and, with
# --services, the local PostgreSQL and NATS the integration tests talk to. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

want_services=0
for arg in "$@"; do [ "$arg" = "--services" ] && want_services=1; done

log() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# --- Node -----------------------------------------------------------------------------------------
node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error(`Troupe needs Node >= 20.19; this is ${process.version}.`); process.exit(1) }'

# --- pnpm (the exact version in package.json; corepack is not used) ------------------------------
pnpm_version=$(node -p 'require("./package.json").packageManager.split("@")[1]')
if [ "$(pnpm --version 2>/dev/null || true)" != "$pnpm_version" ]; then
  log "installing pnpm $pnpm_version with npm"
  if ! npm install -g "pnpm@$pnpm_version" >/dev/null 2>&1; then
    npm install --prefix "$HOME/.troupe-tools" "pnpm@$pnpm_version" >/dev/null
    export PATH="$HOME/.troupe-tools/node_modules/.bin:$PATH"
  fi
fi
export COREPACK_ENABLE_STRICT=0

# --- dependencies -------------------------------------------------------------------------------
if [ "${CI:-}" = "true" ]; then
  log "pnpm install --frozen-lockfile"
  pnpm install --frozen-lockfile --reporter=append-only 2>&1 | tail -n 3
else
  log "pnpm install"
  pnpm install --reporter=append-only 2>&1 | tail -n 3
fi

[ "$want_services" = 1 ] || exit 0

# --- services -----------------------------------------------------------------------------------
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() {
  for _ in $(seq 1 60); do port_open "$1" && return 0; sleep 0.5; done
  return 1
}
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! port_open 5432; then
  if ! ls /etc/postgresql >/dev/null 2>&1; then
    log "installing PostgreSQL from Debian's packages"
    as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  log "starting PostgreSQL"
  as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
  wait_port 5432 || { echo "PostgreSQL did not come up on 127.0.0.1:5432" >&2; exit 1; }
fi
# The tests connect as postgres to the database `test` (trust auth on loopback).
if command -v psql >/dev/null 2>&1; then
  if ! psql -h 127.0.0.1 -U postgres -d test -Atc 'select 1' >/dev/null 2>&1; then
    log "creating database test"
    psql -h 127.0.0.1 -U postgres -d postgres -c 'create database test' >/dev/null 2>&1 || true
  fi
fi

if ! port_open 4222; then
  if ! command -v nats-server >/dev/null 2>&1 && [ ! -x /usr/sbin/nats-server ]; then
    log "installing nats-server from Debian's packages"
    as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server >/dev/null
  fi
  log "starting NATS with JetStream"
  as_root mkdir -p /var/lib/nats-server
  as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server
  wait_port 4222 || { echo "NATS did not come up on 127.0.0.1:4222" >&2; exit 1; }
fi
log "PostgreSQL and NATS are up"
