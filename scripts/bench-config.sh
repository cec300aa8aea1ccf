#!/usr/bin/env bash
# Measures loading Kubernetes' whole Prow configuration against a bare YAML parse of the same
# files into a generic value tree: wall time and peak memory of each in its own process
# (alternating runs, median of N), then criterion's in-process timing of both.
#
# Usage: scripts/bench-config.sh [RUNS]        (corpus at ../shared/corpus, or set PROW_CORPUS)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-7}"
source scripts/lib/bench.sh
config=$(corpus_path k8s-prow/config)

cargo build --release --quiet -p prow-config --example load_once
bin=target/release/examples/load_once
args=("$config/prow/config.yaml" "$config/jobs" "$config/prow/plugins.yaml")

measure() { # mode -> "seconds kilobytes"
  /usr/bin/time -f "%e %M" "$bin" "$1" "${args[@]}" 2>&1 >/dev/null | tail -n 1
}

full_t=(); full_m=(); bare_t=(); bare_m=()
measure full >/dev/null # warm the page cache
for _ in $(seq "$runs"); do
  read -r t m < <(measure bare); bare_t+=("$t"); bare_m+=("$m")
  read -r t m < <(measure full); full_t+=("$t"); full_m+=("$m")
done
bt=$(printf '%s\n' "${bare_t[@]}" | median); ft=$(printf '%s\n' "${full_t[@]}" | median)
bm=$(printf '%s\n' "${bare_m[@]}" | median); fm=$(printf '%s\n' "${full_m[@]}" | median)
echo "process runs: $runs each, alternating, median"
awk -v bt="$bt" -v ft="$ft" -v bm="$bm" -v fm="$fm" 'BEGIN {
  printf "  bare parse : %6.3f s  peak RSS %7.1f MiB\n", bt, bm / 1024
  printf "  full load  : %6.3f s  peak RSS %7.1f MiB\n", ft, fm / 1024
  printf "  ratio full/bare: time %.2fx, memory %.2fx\n", ft / bt, fm / bm
}'

echo "criterion (in-process, from memory):"
cargo bench --quiet -p prow-config --bench load_corpus -- --noplot 2>&1 | grep -E "time:|corpus/" || true
