#!/usr/bin/env bash
# PostgreSQL restarted in the middle of `batch --postgres --worker` (issue 26): the worker stops with
# a located message (exit 2), writes no output, and the history holds whole transactions only;
# run again, it replays what was recorded and decides the rest.
#   scripts/pg-restart-check.sh POSTGRES_URL "RESTART COMMAND"
# .ci/run: scripts/pg-restart-check.sh "$MEDPOLICY_TEST_POSTGRES" "pg_ctlcluster 15 main restart"
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:?usage: scripts/pg-restart-check.sh POSTGRES_URL "RESTART COMMAND"}
restart=${2:?usage: scripts/pg-restart-check.sh POSTGRES_URL "RESTART COMMAND"}
medpolicy=${MEDPOLICY:-.build/debug/medpolicy}
schema="mpt_restart_$$"
url="$base?schema=$schema"
work=$(mktemp -d)
trap 'psql -qAtX "$base" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
fail() { echo "pg-restart-check: $*" >&2; exit 1; }
sql() { psql -qAtX "$base" -c "$1"; }

"$medpolicy" generate --claims 6000 --seed 21 > "$work/claims.837" 2>/dev/null
mkdir "$work/out"
"$medpolicy" batch "$work/claims.837" --postgres "$url" --worker 1/1 \
    --out "$work/out/r.835" --json "$work/out/d.json" > "$work/run.out" 2> "$work/run.err" &
worker=$!
# Once the first 1,000-claim transaction is in, restart the server.
for _ in $(seq 1 600); do
    kill -0 "$worker" 2>/dev/null || break
    [ "$(sql "SELECT count(*) FROM $schema.claims" 2>/dev/null || echo 0)" != 0 ] && break
    sleep 0.05
done
kill -0 "$worker" 2>/dev/null || fail "the worker finished before the restart: $(cat "$work/run.err")"
$restart
for _ in $(seq 1 30); do pg_isready -q -d "$base" && break; sleep 1; done
# Bounded: a worker still running 60 s after the restart hangs.
for _ in $(seq 1 600); do kill -0 "$worker" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$worker" 2>/dev/null; then kill -9 "$worker"; fail "the worker hung after the restart"; fi
status=0; wait "$worker" || status=$?
message=$(cat "$work/run.err")
case "$status" in
    0) echo "pg-restart-check: the worker rode out the restart: $(head -n 1 "$work/run.out")" ;;
    2) case "$message" in
           history:*"(schema $schema)"*) echo "pg-restart-check: the worker stopped: $message" ;;
           *) fail "exit 2 without a located history message: $message" ;;
       esac
       [ -z "$(ls -A "$work/out")" ] || fail "output left behind: $(ls -A "$work/out")" ;;
    *) fail "exit $status: $message" ;;
esac
recorded=$(sql "SELECT count(*) FROM $schema.claims")
orphans=$(sql "SELECT count(*) FROM $schema.claims c WHERE NOT EXISTS (SELECT 1 FROM $schema.determinations d WHERE d.submission = c.submission)")
[ "$orphans" = 0 ] || fail "$orphans claims without their determination"
summary() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"][sys.argv[2]])' "$work/out/d.1-of-1.json" "$1"; }
if [ "$status" = 0 ]; then
    [ "$recorded" = "$(summary claims)" ] || fail "$recorded claims recorded, $(summary claims) decided"
    echo "pg-restart-check: all $recorded claims recorded once"
fi
if [ "$status" = 2 ]; then
    [ $((recorded % 1000)) = 0 ] && [ "$recorded" -gt 0 ] || fail "$recorded claims recorded: not whole transactions"
    "$medpolicy" batch "$work/claims.837" --postgres "$url" --worker 1/1 --json "$work/out/d.json" > "$work/again.out" 2> "$work/again.err" \
        || fail "run again: $(cat "$work/again.err")"
    replays=$(summary replays)
    [ "$replays" = "$recorded" ] || fail "run again replayed $replays claims, $recorded were recorded"
    echo "pg-restart-check: $recorded claims recorded before the restart, replayed when run again; the rest decided"
fi
