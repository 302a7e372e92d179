#!/usr/bin/env bash
# Throughput against ceilings measured in the same run, on one generated file (issue 22). Run by hand:
#
#   scripts/throughput.sh [CLAIMS] [POSTGRES_URL]     # default 100000 claims; MEDPOLICY_TEST_POSTGRES if no URL
#   THROUGHPUT_RSS_CLAIMS=1000000 scripts/throughput.sh   # also the peak RSS of a batch that large
#   THROUGHPUT_ERROR_RATE=0 scripts/throughput.sh          # clean claims only (default: 10 % with one error)
#
# Each line prints medpolicy beside its ceiling, the ratio and the goal:
#   1. no history   `batch FILE --out` (parse + decide + 835) against reading the file and finding its
#                   segments alone (`medpolicy-bench scan`); goal >= 200,000 claims/s on one core.
#   2. SQLite       `batch --db` against SQLite storing the very rows that batch stored, with the shipped
#                   schema and pragmas (WAL, synchronous FULL) and no medpolicy code: INSERT … SELECT
#                   from the batch's file, one transaction; goal >= 70 % of the ceiling.
#   3. PostgreSQL   `batch --postgres` against COPY of the very rows that batch stored into the shipped
#                   schema (psql COPY TO STDOUT | COPY FROM STDIN per table); goal >= 50 %.
#   4. HTTP         wrk, 8 connections, POST /v1/determinations (no store; SQLite dry run) against
#                   GET /health on the same server; goal >= 60 % of /health with p99 <= 5 ms.
# Needs sqlite3, psql and pg_dump, wrk (apt-get install wrk), and builds the release binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
claims=${1:-100000}
pg=${2:-${MEDPOLICY_TEST_POSTGRES:-}}
seconds=${THROUGHPUT_HTTP_SECONDS:-10}
scratch=$(mktemp -d)
server=""
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    if [ -n "$pg" ]; then psql -qAtX "$pg" -c "DROP SCHEMA IF EXISTS tp_batch CASCADE; DROP SCHEMA IF EXISTS tp_ceiling CASCADE" >/dev/null 2>&1; fi
    rm -rf "$scratch"
}
trap cleanup EXIT

swift build -c release --product medpolicy >/dev/null
swift build -c release --product medpolicy-bench >/dev/null
medpolicy=.build/release/medpolicy
bench=.build/release/medpolicy-bench
now() { date +%s.%N; }
rate() { awk -v n="$claims" -v s="$1" 'BEGIN { printf "%.0f", n / s }'; }
line() {  # label, medpolicy seconds, ceiling seconds, goal text, goal ratio (or empty)
    awk -v l="$1" -v m="$2" -v c="$3" -v n="$claims" -v g="$4" -v r="${5:-}" 'BEGIN {
        ratio = c / m
        verdict = (r == "" ? "" : (ratio >= r ? "  met" : "  NOT met"))
        printf "%-11s medpolicy %7.2f s (%7.0f claims/s)  ceiling %7.2f s (%7.0f claims/s)  ratio %5.1f %%  goal %s%s\n",
               l, m, n / m, c, n / c, 100 * ratio, g, verdict }'
}

# Real traffic is not all clean: a share of the claims carries one deliberate error (denied, pended,
# partly paid or refused by the reader), so the denial paths and the 835's adjustments are timed too.
error_rate=${THROUGHPUT_ERROR_RATE:-0.1}
"$medpolicy" generate --claims "$claims" --seed 22 --error-rate "$error_rate" > "$scratch/claims.837" 2>/dev/null
echo "file: $claims claims (error rate $error_rate), $(wc -c < "$scratch/claims.837") bytes; $(nproc) cores; $(date -u +%FT%TZ)"

# 1. No history.
"$bench" scan "$scratch/claims.837" >/dev/null  # the file in the page cache for both
scan=$("$bench" scan "$scratch/claims.837" | awk '{ print $2 }')
start=$(now); "$medpolicy" batch "$scratch/claims.837" --out "$scratch/none.835" >/dev/null; end=$(now)
none=$(awk -v s="$start" -v e="$end" 'BEGIN { print e - s }')
line "no history" "$none" "$scan" ">= 200000 claims/s: $(rate "$none") claims/s" ""
awk -v n="$claims" -v s="$none" 'BEGIN { exit !(n / s >= 200000) }' && echo "            goal met" || echo "            goal NOT met"

# 2. SQLite: the rows batch stored, stored again by SQLite alone.
start=$(now); "$medpolicy" batch "$scratch/claims.837" --db "$scratch/batch.sqlite" >/dev/null; end=$(now)
sqlite=$(awk -v s="$start" -v e="$end" 'BEGIN { print e - s }')
{
    echo "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
    sqlite3 "$scratch/batch.sqlite" .schema | grep -v sqlite_sequence
    echo "ATTACH '$scratch/batch.sqlite' AS src; BEGIN;"
    # member_generations is kept by the schema's triggers, as when batch writes.
    for table in $(sqlite3 "$scratch/batch.sqlite" "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'member_generations' ORDER BY rowid"); do
        echo "INSERT INTO main.$table SELECT * FROM src.$table;"
    done
    echo "COMMIT;"
} > "$scratch/ceiling.sql"
start=$(now); sqlite3 "$scratch/ceiling.sqlite" < "$scratch/ceiling.sql" >/dev/null; end=$(now)
line "SQLite" "$sqlite" "$(awk -v s="$start" -v e="$end" 'BEGIN { print e - s }')" ">= 70 %" 0.70

# 3. PostgreSQL: the rows batch stored, copied by PostgreSQL alone.
if [ -n "$pg" ]; then
    psql -qAtX "$pg" -c "DROP SCHEMA IF EXISTS tp_batch CASCADE; DROP SCHEMA IF EXISTS tp_ceiling CASCADE" >/dev/null 2>&1
    start=$(now); "$medpolicy" batch "$scratch/claims.837" --postgres "$pg?schema=tp_batch" >/dev/null; end=$(now)
    postgres=$(awk -v s="$start" -v e="$end" 'BEGIN { print e - s }')
    pg_dump --schema-only --no-owner --no-privileges -n tp_batch "$pg" | sed 's/tp_batch\./tp_ceiling./g; s/SCHEMA tp_batch/SCHEMA tp_ceiling/g' \
        | grep -v '^SET \|^SELECT pg_catalog' | psql -qAtX "$pg" >/dev/null
    tables=$(psql -qAtX "$pg" -c "SELECT tablename FROM pg_tables WHERE schemaname = 'tp_batch' ORDER BY tablename")
    start=$(now)
    for table in $tables; do
        psql -qAtX "$pg" -c "COPY tp_batch.$table TO STDOUT" | psql -qAtX "$pg" -c "COPY tp_ceiling.$table FROM STDIN"
    done
    end=$(now)
    line "PostgreSQL" "$postgres" "$(awk -v s="$start" -v e="$end" 'BEGIN { print e - s }')" ">= 50 %" 0.50
else
    echo "PostgreSQL  skipped: no URL (argument 2 or MEDPOLICY_TEST_POSTGRES)"
fi

# 4. HTTP: each route against /health on the same server, the same 8 connections.
http() {  # label, store arguments…
    local label=$1; shift
    local port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "$medpolicy" serve --port "$port" --log-level warning "$@" > "$scratch/server.log" 2>&1 &
    server=$!
    for _ in $(seq 1 60); do curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.25; done
    local health route
    health=$(wrk -t2 -c8 -d"${seconds}s" --latency "http://127.0.0.1:$port/health")
    route=$(MEDPOLICY_BODY=Examples/florida-blue-approved.json MEDPOLICY_QUERY="?record=false" \
        wrk -t2 -c8 -d"${seconds}s" --latency -s scripts/wrk/determinations.lua "http://127.0.0.1:$port")
    kill "$server"; wait "$server" 2>/dev/null || true; server=""
    awk -v l="$label" -v h="$(echo "$health" | awk '/Requests\/sec/ { print $2 }')" \
        -v r="$(echo "$route" | awk '/Requests\/sec/ { print $2 }')" \
        -v p="$(echo "$route" | awk '$1 == "99%" { print $2 }')" 'BEGIN {
        ms = p + 0; if (p ~ /us$/) ms /= 1000; else if (p ~ /s$/ && p !~ /ms$/) ms *= 1000
        verdict = (r / h >= 0.60 && ms <= 5 ? "  met" : "  NOT met")
        printf "%-11s POST /v1/determinations %8.0f req/s  GET /health %8.0f req/s  ratio %5.1f %%  p99 %s  goal >= 60 %%, p99 <= 5 ms%s\n",
               l, r, h, 100 * r / h, p, verdict }'
}
if command -v wrk >/dev/null; then
    http "HTTP"
    http "HTTP dry" --db "$scratch/http.sqlite"
else
    echo "HTTP        skipped: wrk is not installed (apt-get install wrk)"
fi

# Peak RSS of a large batch without a history (kilobytes, from GNU time).
if [ -n "${THROUGHPUT_RSS_CLAIMS:-}" ]; then
    "$medpolicy" generate --claims "$THROUGHPUT_RSS_CLAIMS" --seed 23 > "$scratch/large.837" 2>/dev/null
    /usr/bin/time -f "%M %e" -o "$scratch/time" "$medpolicy" batch "$scratch/large.837" --out "$scratch/large.835" >/dev/null
    read -r rss elapsed < "$scratch/time"
    awk -v n="$THROUGHPUT_RSS_CLAIMS" -v k="$rss" -v e="$elapsed" 'BEGIN {
        printf "peak RSS    batch of %d claims: %.1f MB in %.1f s  goal <= 100 MB%s\n", n, k / 1024, e, (k / 1024 <= 100 ? "  met" : "  NOT met") }'
fi
