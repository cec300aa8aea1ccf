#!/usr/bin/env bash
# deck with N ProwJobs (default 20,000): the first page of the job list and /prowjobs.js over
# HTTP (median and p99 latency, bytes) and the time to a painted job list in headless Chromium,
# first with the embedded store, then with the ProwJobs in a real kube-apiserver.
#
# Usage: scripts/bench-deck.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-20000}"
target="${CARGO_TARGET_DIR:-target}"
cargo build --release --quiet -p deck --example deck_load
bench="$target/release/examples/deck_load"
RUST_LOG=warn "$bench" embedded "$count"
state=$(mktemp -d)
coproc TESTENV { scripts/kube-testenv.sh up "$state"; }
read -r ready kubeconfig <&"${TESTENV[0]}"
[ "$ready" = ready ] || { echo "the test environment did not start" >&2; exit 1; }
RUST_LOG=warn "$bench" kube "$count" "$kubeconfig"
eval "exec ${TESTENV[1]}>&-"
wait "$TESTENV_PID" 2>/dev/null || true
rm -rf "$state"
