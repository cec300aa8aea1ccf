#!/usr/bin/env bash
# What one typical event costs each function, and so a million of them: CPU milliseconds (user +
# system time of the function's process, from /proc, over N events, divided by N) and the
# process's peak RSS, with Kubernetes' own configuration (../shared/corpus/k8s-prow, in its
# prepared form as a deployment runs it), every function its own release-built process, against a
# real kube-apiserver (kwok runs the pods) and the GitHub stand-in:
#   hook        a signed webhook in, forwarded as a CloudEvent to $K_SINK
#   trigger     a pull_request `synchronize` for kubernetes/kubernetes: trust, changed files,
#               a ProwJob per presubmit that runs, the superseded ones aborted
#   controller  each of those jobs' life: a pod created, then its end read back into the job
#   crier       each finished job reported to GitHub as a status
#   horologium  a ping (the first one starts every periodic; the steady one is reported)
#   sinker      a ping over every ProwJob and pod
#   tide        a ping: one sync of every tide query against the stand-in
# Then the cost of a million such events at the list prices in docs/deployment.md.
#
# Usage: scripts/bench-cost.sh [WEBHOOKS] [PR_EVENTS]     (default 2000 20)
set -euo pipefail
cd "$(dirname "$0")/.."
webhooks="${1:-2000}"
pr_events="${2:-20}"
source scripts/lib/bench.sh
k8s=$(corpus_path k8s-prow/config)
corpus=$(dirname "$(dirname "$k8s")")
target="${CARGO_TARGET_DIR:-target}"
cargo build --release --quiet --locked -p hook -p trigger -p controller -p crier -p horologium \
  -p sinker -p tide -p prow -p github-standin

work=$(mktemp -d)
cleanup() { [ -n "${kube_pid:-}" ] && kill "$kube_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

"$target/release/prow" checkconfig --config-path="$k8s/prow/config.yaml" --job-config-path="$k8s/jobs" \
  --plugin-config="$k8s/prow/plugins.yaml" --write-prepared="$work/prepared" 2>/dev/null

. scripts/lib/kube-up.sh
kube_up "$work" || exit 1

python3 scripts/bench-cost.py "$target" "$work" "$k8s" "$corpus" "$webhooks" "$pr_events"
