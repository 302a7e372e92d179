#!/usr/bin/env bash
# Coverage-guided fuzzing of one reader of outside input with libFuzzer (see Fuzz/README.md).
#   scripts/fuzz.sh READER SECONDS [libFuzzer options…]
# READER: x12-837p, encounter-json, authorization-json, policy-yaml, cds-hooks, pas-bundle,
# questionnaire-response.
# FUZZ_CONFIGURATION=release builds optimized (slower to build, many more executions a second).
set -euo pipefail
cd "$(dirname "$0")/.."

reader=${1:?usage: scripts/fuzz.sh READER SECONDS [libFuzzer options]}
seconds=${2:?usage: scripts/fuzz.sh READER SECONDS [libFuzzer options]}
shift 2
[ -d "Fuzz/corpus/$reader" ] || { echo "unknown reader '$reader' (no Fuzz/corpus/$reader)" >&2; exit 2; }
configuration=${FUZZ_CONFIGURATION:-debug}

# SwiftPM's --sanitize options set up the link (libFuzzer's main), but pass -sanitize=fuzzer and
# -sanitize=address to swiftc as two flags in no fixed order, and swiftc keeps only the last: the
# Swift code could be built without the coverage instrumentation libFuzzer needs. The combined
# -sanitize=fuzzer,address after them is the one swiftc keeps (clang adds -fsanitize flags up).
swift build --product medpolicy-fuzz -c "$configuration" --scratch-path .build/fuzz \
    --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING >&2
binary=".build/fuzz/$configuration/medpolicy-fuzz"

# libFuzzer grows the first corpus folder; the committed seeds and regressions stay read-only inputs.
learned=".build/fuzz/corpus/$reader"
mkdir -p "$learned"
artifacts=".build/fuzz/artifacts/$reader/"
mkdir -p "$artifacts"
# A reader's libFuzzer dictionary (the names, codes and URLs it looks for), when it has one.
dictionary=()
[ -f "Fuzz/dictionaries/$reader.dict" ] && dictionary=(-dict="Fuzz/dictionaries/$reader.dict")
# The Swift runtime's backtracer is turned off: libFuzzer and AddressSanitizer report crashes themselves.
SWIFT_BACKTRACE=enable=no MEDPOLICY_FUZZ_TARGET="$reader" "$binary" "$learned" "Fuzz/corpus/$reader" "Fuzz/regressions/$reader" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -artifact_prefix="$artifacts" -print_final_stats=1 "${dictionary[@]}" "$@"
