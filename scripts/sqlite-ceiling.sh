#!/bin/bash
# How fast SQLite alone can store what a batch must keep per claim (issue 5: every service line and
# every determination as issued, the full JSON), with no medpolicy code in the loop: rows are made
# inside SQLite by one INSERT … SELECT per table from a recursive CTE, in one transaction, and the
# determination text is a real one taken from a medpolicy history. Run by hand:
#
#   scripts/sqlite-ceiling.sh [CLAIMS]        # default 100000; needs sqlite3 and a release build
#
# Prints the seconds per step and claims/s for three layouts: medpolicy's schema as shipped (WAL,
# synchronous FULL, as `batch --db` writes it), the same with journal and syncing off, and a bare
# minimum (services with only the member index, determinations without indexes, no claims table,
# no triggers, journal and syncing off, 1 GB page cache).
set -euo pipefail
claims=${1:-100000}
here=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

swift build -c release --product medpolicy --package-path "$here" >/dev/null
medpolicy="$here/.build/release/medpolicy"
"$medpolicy" generate --claims 2000 --seed 7 > "$scratch/sample.837" 2>/dev/null
"$medpolicy" batch "$scratch/sample.837" --db "$scratch/sample.sqlite" >/dev/null
sqlite3 "$scratch/sample.sqlite" .schema | grep -v sqlite_sequence > "$scratch/schema.sql"
# A determination of median length, and an encounter, as medpolicy wrote them.
median=$(sqlite3 "$scratch/sample.sqlite" "SELECT sequence FROM determinations ORDER BY length(determination) LIMIT 1 OFFSET (SELECT count(*) / 2 FROM determinations)")
sqlite3 "$scratch/sample.sqlite" "SELECT length(determination) FROM determinations WHERE sequence = $median" | sed 's/^/determination JSON bytes: /'

inserts() {  # $1: 1 to fill the claims table too
    cat <<SQL
CREATE TEMP TABLE sample AS SELECT
    (SELECT determination FROM src.determinations WHERE sequence = $median) AS d,
    (SELECT encounter FROM src.claims LIMIT 1) AS e;
.timer on
BEGIN;
SQL
    if [ "$1" = 1 ]; then cat <<SQL
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $claims)
INSERT INTO claims (submission, claim_id, member_id, payer, frequency, state, encounter)
SELECT i, 'C' || i, 'M' || (i % 20000), 'aetna', 'original', 'current', (SELECT e FROM sample) || i FROM n;
SQL
    fi
    cat <<SQL
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2 * $claims)
INSERT INTO services (submission, line_number, member_id, payer, claim_id, date_of_service, code, units, sites, outcome, state)
SELECT (i + 1) / 2, 1 + i % 2, 'M' || (((i + 1) / 2) % 20000), 'aetna', 'C' || ((i + 1) / 2), '2026-01-01', '20552', 1, '[]',
       'approved', 'current' FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $claims)
INSERT INTO determinations (submission, claim_id, policy_id, outcome, determination)
SELECT i, 'C' || i, 'aetna-tpi', 'approved', (SELECT d FROM sample) || i FROM n;
COMMIT;
SQL
}

run() {  # $1 label, $2 file of SQL
    rm -f "$scratch/t.sqlite"*
    local start end
    start=$(date +%s.%N)
    sqlite3 -cmd "ATTACH '$scratch/sample.sqlite' AS src" "$scratch/t.sqlite" < "$2" | grep "Run Time" | sed 's/^/  /'
    end=$(date +%s.%N)
    awk -v s="$start" -v e="$end" -v n="$claims" -v l="$1" 'BEGIN { printf "%s: %.2f s for %d claims (2 lines each): %d claims/s\n", l, e - s, n, n / (e - s) }'
}

{ echo "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA cache_size=-16384;"; cat "$scratch/schema.sql"; inserts 1; } > "$scratch/shipped.sql"
run "medpolicy schema, WAL, synchronous FULL" "$scratch/shipped.sql"
{ echo "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-16384;"; cat "$scratch/schema.sql"; inserts 1; } > "$scratch/unsafe.sql"
run "medpolicy schema, journal and sync off" "$scratch/unsafe.sql"
cat > "$scratch/minimal.sql" <<SQL
PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-1000000;
CREATE TABLE services (submission INTEGER, line_number INTEGER, member_id TEXT, payer TEXT, claim_id TEXT,
    date_of_service TEXT, code TEXT, units INTEGER, sites TEXT, outcome TEXT, state TEXT);
CREATE INDEX services_by_member ON services (member_id, date_of_service);
CREATE TABLE determinations (sequence INTEGER PRIMARY KEY, submission INTEGER, claim_id TEXT, policy_id TEXT,
    outcome TEXT, determination TEXT);
SQL
inserts 0 >> "$scratch/minimal.sql"
run "bare minimum, journal and sync off" "$scratch/minimal.sql"
