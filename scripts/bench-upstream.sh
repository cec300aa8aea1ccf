#!/usr/bin/env bash
# Side-by-side: an upstream Prow component (built from the Go module proxy by kube-testenv.sh
# into the same cache as the test control plane) against ours, on Kubernetes' own configuration.
# Runs alternate (upstream, ours, upstream, ...) in one invocation; prints the median wall time
# and peak RSS of each and the ratio ours/upstream.
#
# Usage: scripts/bench-upstream.sh [COMPONENT] [RUNS]     (default: checkconfig 7)
# Corpus at ../shared/corpus, or set PROW_CORPUS.
#
# To add a component: add a case below giving the upstream command name, its arguments and ours.
set -euo pipefail
cd "$(dirname "$0")/.."
component="${1:-checkconfig}"
runs="${2:-7}"
source scripts/lib/bench.sh
config=$(corpus_path k8s-prow/config)
target="${CARGO_TARGET_DIR:-target}"

case "$component" in
  checkconfig)
    # Upstream checkconfig takes the same flags; ours is `prow checkconfig`. plugins.yaml is left
    # out: the newest upstream the module proxy serves (2024-06) predates plugins the corpus
    # enables (`issue-management`) and refuses it; config.yaml and 3,849 jobs are the bulk.
    flags=(--config-path="$config/prow/config.yaml" --job-config-path="$config/jobs")
    upstream_bin=$(scripts/kube-testenv.sh upstream checkconfig)
    cargo build --release --quiet -p prow
    upstream=("$upstream_bin" "${flags[@]}")
    ours=("$target/release/prow" checkconfig "${flags[@]}")
    ;;
  *) echo "unknown component '$component' (known: checkconfig)" >&2; exit 2 ;;
esac

timing=$(mktemp)
trap 'rm -f "$timing"' EXIT
measure() { # command... -> "seconds kilobytes exit"
  /usr/bin/time -o "$timing" -f "%e %M %x" "$@" >/dev/null 2>&1 || true
  tail -n 1 "$timing"
}

# Both must accept the configuration, or the comparison means nothing.
for side in upstream ours; do
  declare -n cmd="$side"
  if ! "${cmd[@]}" >/tmp/bench-upstream-$side.log 2>&1; then
    echo "$side $component failed on the corpus (see /tmp/bench-upstream-$side.log):" >&2
    tail -n 5 "/tmp/bench-upstream-$side.log" >&2
    exit 1
  fi
done

up_t=(); up_m=(); our_t=(); our_m=()
for _ in $(seq "$runs"); do
  read -r t m _ < <(measure "${upstream[@]}"); up_t+=("$t"); up_m+=("$m")
  read -r t m _ < <(measure "${ours[@]}"); our_t+=("$t"); our_m+=("$m")
done
ut=$(printf '%s\n' "${up_t[@]}" | median); ot=$(printf '%s\n' "${our_t[@]}" | median)
um=$(printf '%s\n' "${up_m[@]}" | median); om=$(printf '%s\n' "${our_m[@]}" | median)
echo "$component on $config: $runs runs each, alternating, median"
awk -v ut="$ut" -v ot="$ot" -v um="$um" -v om="$om" 'BEGIN {
  printf "  upstream (Go) : %6.3f s  peak RSS %7.1f MiB\n", ut, um / 1024
  printf "  ours (Rust)   : %6.3f s  peak RSS %7.1f MiB\n", ot, om / 1024
  printf "  ratio ours/upstream: time %.2fx, memory %.2fx\n", ot / ut, om / um
}'
