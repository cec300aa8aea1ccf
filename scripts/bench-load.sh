#!/usr/bin/env bash
# Load test of hook and trigger as separate release-built processes: the GitHub stand-in's
# `pull_request` `opened` webhooks for distinct pull requests, signed, sent to hook at a fixed rate
# whatever is still in flight (open loop); hook hands each to trigger as a CloudEvent and answers
# once trigger has created the ProwJobs in a real kube-apiserver (scripts/kube-testenv.sh). It is
# the CI test `load::webhook_load_through_hook_and_trigger_processes` (tests/e2e/tests/it/load.rs)
# run longer, with the functions from target/release (PROW_BIN_DIR); the sender and the stand-in
# run in the test process, a debug build. Prints webhooks, refusals, lost and duplicated
# ProwJobs, latency percentiles, RSS and CPU of each function, and fails on any error.
#
# Usage: scripts/bench-load.sh [SECONDS] [RATE]     (default 60 50: 3,000 webhooks)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"; rate="${2:-50}"
target="${CARGO_TARGET_DIR:-target}"
cargo build --release --quiet -p hook -p trigger
bin_dir="$(cd "$target/release" && pwd)"
echo "hook and trigger from $bin_dir; $seconds s at $rate webhooks/s" >&2
PROW_BIN_DIR="$bin_dir" PROW_LOAD_SECONDS="$seconds" PROW_LOAD_RATE="$rate" \
  cargo test --quiet -p prow-e2e --test it -- --exact --nocapture \
  load::webhook_load_through_hook_and_trigger_processes
