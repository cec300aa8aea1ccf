#!/usr/bin/env bash
# Runs every test of the workspace: unit and table tests, the configuration corpus tests
# (../shared/corpus), and the function process tests (real HTTP on loopback, SIGTERM, a local
# OTLP receiver and an AWS Lambda runtime API). Ends with one line: "tests: N passed, M failed".
#
# Everything is compiled in one invocation so that dev-dependency features unify once
# (see ../shared/reference/dependencies.md on feature unification).
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --workspace --all-targets --locked "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
