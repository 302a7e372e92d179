#!/usr/bin/env bash
# The engine's speed guard that holds on any machine: instructions per decision, counted by
# valgrind's callgrind (deterministic for one binary and input, whatever the machine's speed),
# against Benchmarks/instructions.baseline. Fails (exit 1) when a workload needs more than twice
# its baseline. --update rewrites the baseline's counts from this run.
#   scripts/instruction-check.sh [--update]
set -euo pipefail
cd "$(dirname "$0")/.."
baseline=Benchmarks/instructions.baseline
command -v valgrind >/dev/null || { echo "instruction-check: valgrind is not installed" >&2; exit 2; }

swift build --package-path Benchmarks -c release --product count-decision-instructions >&2
# valgrind 3.19 cannot read Swift's DWARF 5: count a copy without debug information.
binary=$(mktemp)
trap 'rm -f "$binary"' EXIT
strip -g -o "$binary" Benchmarks/.build/release/count-decision-instructions

# Instructions of the whole run of `count-decision-instructions ARGS…` (fixed hashing keeps the
# Set and Dictionary probes the same from run to run).
instructions() {
    SWIFT_DETERMINISTIC_HASHING=1 valgrind --tool=callgrind --callgrind-out-file=/dev/null "$binary" "$@" 2>&1 \
        | sed -n 's/.*I[[:space:]]*refs:[[:space:]]*//p' | tr -d ,
}
startup=$(instructions 0)
declare -A measured
measured[florida-blue]=$(( ($(instructions 1000) - startup) / 1000 ))
measured[all-payers]=$(( ($(instructions 1000 all) - startup) / 1000 ))

if [ "${1:-}" = "--update" ]; then
    for workload in "${!measured[@]}"; do
        sed -i "s/^$workload\t.*/$workload\t${measured[$workload]}/" "$baseline"
    done
    echo "instruction-check: baseline updated"; grep -v '^#' "$baseline"; exit 0
fi

failed=0
while IFS=$'\t' read -r workload expected; do
    case "$workload" in ''|'#'*) continue ;; esac
    now=${measured[$workload]:?"instruction-check: no measurement for '$workload' in $baseline"}
    ratio=$(awk -v a="$now" -v b="$expected" 'BEGIN { printf "%.2f", a / b }')
    if [ "$now" -gt $(( 2 * expected )) ]; then
        echo "instruction-check: $workload: $now instructions a decision, baseline $expected (${ratio}×): more than twice" >&2
        failed=1
    else
        echo "instruction-check: $workload: $now instructions a decision, baseline $expected (${ratio}×)"
    fi
done < "$baseline"
exit "$failed"
