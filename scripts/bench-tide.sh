#!/usr/bin/env bash
# One tide sync over a large org served by the GitHub stand-in in its own process (so the
# figures are tide's alone): CPU time, peak memory, GitHub calls and GraphQL points for the
# first sync and for one where nothing changed.
#
#   scripts/bench-tide.sh [REPOS] [PRS_PER_REPO]     # default 500 repositories of 20
set -euo pipefail
cd "$(dirname "$0")/.."
repos="${1:-500}"
prs="${2:-20}"
work=$(mktemp -d)
trap 'kill "${standin:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

cargo build --release --quiet -p github-standin --bin github-standin
cargo build --release --quiet -p tide --example sync_benchmark
target="${CARGO_TARGET_DIR:-target}/release"
"$target/examples/sync_benchmark" write-world "$work/world.yaml" "$repos" "$prs"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
RUST_LOG=warn "$target/github-standin" --world "$work/world.yaml" --port "$port" --rate-limit 100000000 &
standin=$!
for _ in $(seq 1 600); do
  curl -fs "http://127.0.0.1:$port/_standin/calls" >/dev/null 2>&1 && break
  sleep 0.1
done
"$target/examples/sync_benchmark" run "http://127.0.0.1:$port" "$repos" "$prs"
