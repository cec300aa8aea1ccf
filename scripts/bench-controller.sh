#!/usr/bin/env bash
# Reconciles N triggered ProwJobs to pods (default 10,000): with the embedded store and an
# executor that starts pods instantly, then against the real kube-apiserver (pods scheduled and
# run by kwok). Prints the time and peak memory of each.
#
# Usage: scripts/bench-controller.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-10000}"
target="${CARGO_TARGET_DIR:-target}"
cargo build --release --quiet -p controller --example reconcile_many
bench="$target/release/examples/reconcile_many"
"$bench" embedded "$count"
state=$(mktemp -d)
coproc TESTENV { scripts/kube-testenv.sh up "$state"; }
read -r ready kubeconfig <&"${TESTENV[0]}"
[ "$ready" = ready ] || { echo "the test environment did not start" >&2; exit 1; }
"$bench" kube "$count" "$kubeconfig"
eval "exec ${TESTENV[1]}>&-"
wait "$TESTENV_PID" 2>/dev/null || true
rm -rf "$state"
