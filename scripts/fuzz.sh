#!/usr/bin/env bash
# Fuzzes everything that takes input from outside (tests/fuzz, cargo-fuzz with libFuzzer and
# AddressSanitizer, nightly Rust): hook's webhook intake, the plugins' comment commands,
# configuration loading, Go templates, CloudEvents and Pub/Sub pushes. Builds every target once,
# writes the seeds (from the corpus at ../shared/corpus, or PROW_CORPUS, plus hand-written ones;
# the corpus is never copied into the repository), replays the saved crashing inputs of
# tests/fuzz/regressions/<target>/, then runs each target for SECONDS_PER_TARGET and prints its
# executions, corpus size and crashes. Exits non-zero on any crash; the crashing input is saved
# under the fuzz target directory's artifacts/<target>/.
#
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 20; CI runs 15)
# Builds go to ~/.cache/prow-rs/fuzz-target (PROW_FUZZ_TARGET_DIR), never the stable target
# directory; seeds, the inputs a run adds (corpus/), crashing inputs (artifacts/) and logs too.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-20}"
case "$seconds" in '' | *[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET]" >&2; exit 2 ;; esac
targets=(webhook_intake commands config_load go_template cloudevent pubsub_push)
fuzz_dir=tests/fuzz
work="${PROW_FUZZ_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/prow-rs/fuzz-target}"
corpus="${PROW_CORPUS:-$(cd .. && pwd)/shared/corpus}"
# The build flags, the same for `build` and `run` so that `run` does not build again: release
# with debug assertions and AddressSanitizer (cargo-fuzz's defaults), in 16 codegen units rather
# than cargo-fuzz's one, which builds several times faster on two cores (see tests/fuzz/Cargo.toml
# for the optimization levels).
fuzz=(cargo +nightly fuzz)
flags=(--fuzz-dir "$fuzz_dir" --target-dir "$work" --debug-assertions --codegen-units 16)
# PROW_FUZZ_ROUTES=1 adds the targets that drive hook's and trigger's real routers (a much longer
# build: they link every adapter of those functions).
if [ -n "${PROW_FUZZ_ROUTES:-}" ]; then
  flags+=(--features routes)
  targets+=(webhook_route pubsub_route)
fi
export CARGO_INCREMENTAL=0 CARGO_TERM_COLOR=never

started=$(date +%s)
elapsed() { echo "$(( $(date +%s) - started ))s"; }

if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "fuzz: cargo-fuzz or the nightly toolchain is missing: run scripts/setup.sh" >&2
  exit 1
fi

echo "fuzz: building ${#targets[@]} targets into $work"
"${fuzz[@]}" build "${flags[@]}"
echo "fuzz: built ($(elapsed))"

seeds="$work/seeds"
rm -rf "$seeds"
if [ -d "$corpus/github-webhooks" ] && [ -d "$corpus/k8s-prow" ]; then
  python3 "$fuzz_dir/seeds.py" "$seeds" "$corpus"
elif [ -n "${CI:-}" ]; then
  echo "fuzz: the corpus is missing at $corpus and CI needs it (set PROW_CORPUS)" >&2
  exit 1
else
  echo "fuzz: WARNING: corpus not found at $corpus (set PROW_CORPUS): seeding with the hand-written inputs only" >&2
  python3 "$fuzz_dir/seeds.py" "$seeds"
fi

# libFuzzer's options: a run is bounded in time, memory and time per input; a crash, a leak, an
# out-of-memory or an input that takes longer than 10 s are all failures.
options=(-rss_limit_mb=2048 -timeout=10 -print_final_stats=1)
# The functions handle requests on tokio's worker threads, whose stacks are 2 MiB: the targets
# get no more, so recursion that would overflow a function's stack overflows here too.
ulimit -s 2048
# The route targets take the library targets' inputs: their seeds and dictionaries.
inputs_of() {
  case "$1" in webhook_route) echo webhook_intake ;; pubsub_route) echo pubsub_push ;; *) echo "$1" ;; esac
}
# The last value of one of libFuzzer's final statistics in a log.
final_stat() { sed -n "s/^stat::$2: *//p" "$1" | tail -n 1; }
failed=()
summary=()

# Every saved crashing input must now pass.
for target in "${targets[@]}"; do
  regressions="$fuzz_dir/regressions/$(inputs_of "$target")"
  [ -d "$regressions" ] || continue
  inputs=("$regressions"/*)
  [ -e "${inputs[0]}" ] || continue
  echo "fuzz: $target: replaying ${#inputs[@]} saved crashing input(s)"
  if ! "${fuzz[@]}" run "${flags[@]}" "$target" "${inputs[@]}" -- "${options[@]}" >"$work/$target.regressions.log" 2>&1; then
    tail -n 40 "$work/$target.regressions.log" >&2
    echo "fuzz: $target: a saved crashing input fails again (log: $work/$target.regressions.log)" >&2
    failed+=("$target (regression)")
  fi
done

for target in "${targets[@]}"; do
  # Each run starts from the seeds, so its first pass over them takes the same time every run;
  # what it adds is kept until the next run, to look at.
  grown="$work/corpus/$target"
  artifacts="$work/artifacts/$target"
  log="$work/$target.log"
  rm -rf "$grown"
  mkdir -p "$grown" "$artifacts"
  before=$(find "$artifacts" -type f | wc -l)
  echo "fuzz: $target: ${seconds}s"
  # Its dictionary (tests/fuzz/dicts/<target>.dict): the words its inputs are made of.
  dictionary=()
  if [ -f "$fuzz_dir/dicts/$(inputs_of "$target").dict" ]; then
    dictionary=(-dict="$fuzz_dir/dicts/$(inputs_of "$target").dict")
  fi
  status=0
  "${fuzz[@]}" run "${flags[@]}" "$target" "$grown" "$seeds/$(inputs_of "$target")" -- \
    "${options[@]}" "${dictionary[@]}" -max_total_time="$seconds" -artifact_prefix="$artifacts/" \
    >"$log" 2>&1 || status=$?
  executions=$(final_stat "$log" number_of_executed_units)
  per_second=$(final_stat "$log" average_exec_per_sec)
  peak_rss=$(final_stat "$log" peak_rss_mb)
  # The corpus libFuzzer ended with (or had when it stopped): the seeds it kept and the inputs
  # it added.
  corpus_size=$(sed -n 's/^#[0-9].* corp: \([0-9]*\)\/.*/\1/p' "$log" | tail -n 1)
  crashes=$(( $(find "$artifacts" -type f | wc -l) - before ))
  if [ "$status" -ne 0 ] && [ "$crashes" -eq 0 ]; then
    crashes=1 # it stopped without saving an input (a failure to start, say): see the log
  fi
  line=$(printf '%-15s executions %10s  exec/s %7s  corpus %6s  peak RSS %5s MB  crashes %s' \
    "$target" "${executions:-?}" "${per_second:-?}" "${corpus_size:-?}" "${peak_rss:-?}" "$crashes")
  echo "fuzz: $line"
  summary+=("$line")
  if [ "$crashes" -ne 0 ]; then
    grep -E -A 30 '^==[0-9]+==|panicked at|^SUMMARY|deadly signal|Test unit written' "$log" | head -n 60 >&2 || tail -n 40 "$log" >&2
    echo "fuzz: $target failed (log: $log; inputs: $artifacts). Reproduce with:" >&2
    echo "  (ulimit -s 2048; cargo +nightly fuzz run ${flags[*]} $target <input>)" >&2
    failed+=("$target")
  fi
done

echo
echo "fuzz: ${seconds}s per target, $(elapsed) in all"
printf 'fuzz: %s\n' "${summary[@]}"
if [ "${#failed[@]}" -ne 0 ]; then
  echo "fuzz: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ok, no crashes"
