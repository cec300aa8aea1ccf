#!/usr/bin/env bash
# GitHub calls of a Kubernetes-sized org's day: scripts/traffic-model.py plays a compressed day of
# pull requests, pushes and comments on Kubernetes' busiest repositories (their configuration:
# ../shared/corpus/k8s-prow) through hook, trigger, controller, crier and tide as separate
# processes, against the GitHub stand-in and a real kube-apiserver (kwok runs the pods), three
# ways: warm processes with their own caches; a cold process for every event with its own cache
# (what scale to zero costs without a shared cache); a cold process for every event sharing one
# Redis cache; and once more through `prow local`, every function in one process. It prints GitHub calls per hour (paid, 304, GraphQL), the busiest endpoints, and
# fails when an event failed or the shared cache did not save calls.
#
# Usage: scripts/traffic-model.sh [--short] [--release | --binaries DIR] [--hours N] [--scale S]
#                                 [--first-hour H] [--tide-pings N]
#   --short     the CI form: two afternoon hours at 15% of the volume, two tide syncs an hour
#   --release   release binaries (built here); otherwise debug ones (built here)
#   --binaries  the binaries already built in DIR (the test that runs this in CI)
# The last line of its output is `summary: {JSON}`, one object per run, for that test.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=debug hours=24 scale=1 first=0 pings=0 binaries=
while [ $# -gt 0 ]; do
  case "$1" in
    --short) hours=2 scale=0.15 first=14 pings=2 ;;
    --binaries) binaries="$2"; shift ;;
    --release) profile=release ;;
    --hours) hours="$2"; shift ;;
    --scale) scale="$2"; shift ;;
    --first-hour) first="$2"; shift ;;
    --tide-pings) pings="$2"; shift ;;
    *) echo "traffic-model: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
source scripts/lib/bench.sh
k8s=$(corpus_path k8s-prow/config)
command -v redis-server >/dev/null || { echo "traffic-model: redis-server is missing (scripts/setup.sh)" >&2; exit 1; }
if [ -n "$binaries" ]; then
  target="$binaries"
else
  target="${CARGO_TARGET_DIR:-target}/$profile"
  release=()
  [ "$profile" = release ] && release=(--release)
  cargo build "${release[@]}" --quiet --locked -p hook -p trigger -p controller -p crier -p tide -p prow \
    -p github-standin
fi

work=$(mktemp -d)
cleanup() {
  [ -n "${kube_pid:-}" ] && kill "$kube_pid" 2>/dev/null
  [ -n "${redis_pid:-}" ] && kill "$redis_pid" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

"$target/prow" checkconfig --config-path="$k8s/prow/config.yaml" --job-config-path="$k8s/jobs" \
  --plugin-config="$k8s/prow/plugins.yaml" --write-prepared="$work/prepared" 2>/dev/null

. scripts/lib/kube-up.sh
kube_up "$work" || exit 1

redis_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no --dir "$work" >"$work/redis.log" 2>&1 &
redis_pid=$!

play() {  # mode cache label
  mkdir -p "$work/$3"
  python3 scripts/traffic-model.py --target "$target" --work "$work/$3" --kube "$work/kube" \
    --prepared "$work/prepared" --k8s "$k8s" --mode "$1" \
    --cache "$2" --hours "$hours" --first-hour "$first" --scale "$scale" --tide-pings "$pings" \
    >"$work/$3.json" || { echo "traffic-model: $3 failed:" >&2; cat "$work/$3.json" >&2; exit 1; }
}
play warm memory warm-memory
play cold memory cold-memory
play cold "redis://127.0.0.1:$redis_port/0" cold-redis
play local memory local
python3 scripts/traffic-report.py "$work/warm-memory.json" "$work/cold-memory.json" "$work/cold-redis.json" \
  "$work/local.json"
