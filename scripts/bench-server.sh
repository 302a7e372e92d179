#!/usr/bin/env bash
# Load benchmark of `medpolicy serve` with wrk on loopback (run by hand; numbers go in notes).
#   scripts/bench-server.sh [sqlite|postgres URL|none] [record|dry-run|health] [seconds] [connections]
# `health` GETs /health: the HTTP layer alone, the ceiling any route can reach on this machine.
# Builds the release binary, starts the server with a fresh store, and POSTs
# Examples/florida-blue-approved.json with a new claim and member id per request.
set -euo pipefail
cd "$(dirname "$0")/.."
store=${1:-sqlite}; mode=${2:-record}; seconds=${3:-20}; connections=${4:-32}
swift build -c release --product medpolicy >/dev/null
scratch=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$scratch"' EXIT
case "$store" in
  sqlite) store_args=(--db "$scratch/history.sqlite") ;;
  none) store_args=() ;;
  postgres*) store_args=(--postgres "$store") ;;
  *) echo "store: sqlite, none or a postgres:// URL" >&2; exit 2 ;;
esac
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
.build/release/medpolicy serve --port "$port" --log-level warning "${store_args[@]}" >"$scratch/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 30); do curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.5; done
if [ "$mode" = health ]; then
  wrk -t2 -c"$connections" -d"${seconds}s" --latency "http://127.0.0.1:$port/health" | grep -E 'Requests/sec|Latency|requests|99%|50%'
  echo "mode=health rss_kb=$(ps -o rss= -p $pid)"; exit 0
fi
query=""; [ "$mode" = dry-run ] && query="?record=false"
MEDPOLICY_BODY=Examples/florida-blue-approved.json MEDPOLICY_QUERY="$query" \
  wrk -t2 -c"$connections" -d"${seconds}s" --latency -s scripts/wrk/determinations.lua "http://127.0.0.1:$port" \
  | grep -E 'Requests/sec|Latency|requests|99%|50%'
echo "store=${store%%://*} mode=$mode rss_kb=$(ps -o rss= -p $pid)"  # never the URL: it may hold a password
