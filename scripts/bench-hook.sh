#!/usr/bin/env bash
# Load test of hook's webhook intake against a bare axum handler that only reads the same bodies,
# measured in the same run: signed deliveries per second and p50/p99 latency, at full speed.
# The load generator is vegeta (built from the Go module proxy into the test-environment cache).
# Every request is a distinct delivery (its own X-GitHub-Delivery), so hook hands each one on.
#
# Usage: scripts/bench-hook.sh [SECONDS_PER_ROUND] [ROUNDS] [WORKERS]     (default 8 3 64)
# Payload: the corpus's issue_comment example (../shared/corpus, or set PROW_CORPUS).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-8}"; rounds="${2:-3}"; workers="${3:-64}"
source scripts/lib/bench.sh
payload=$(corpus_path github-webhooks/issue_comment/created.payload.json)
cache="${PROW_TESTENV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/prow-rs/testenv}"
vegeta="$cache/bin/vegeta-12.13.0/vegeta"
if [ ! -x "$vegeta" ]; then
  echo "building vegeta v12.13.0 (once)" >&2
  GOTOOLCHAIN=local CGO_ENABLED=0 GOBIN="$(dirname "$vegeta")" go install github.com/tsenart/vegeta/v12@v12.13.0
fi
target="${CARGO_TARGET_DIR:-target}"
cargo build --release --quiet -p hook --example load_target
server="$target/release/examples/load_target"

work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
printf 'bench-secret' >"$work/secret"

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
declare -A ports
ports[bare]=$(port); ports[hook-sink]=$(port); ports[hook-local]=$(port)
"$server" bare "${ports[bare]}" & pids+=($!)
"$server" hook-sink "$work/secret" "${ports[hook-sink]}" & pids+=($!)
"$server" hook-local "$work/secret" "${ports[hook-local]}" & pids+=($!)
for mode in bare hook-sink hook-local; do
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:${ports[$mode]}/" && break; sleep 0.05; done
done

# Endless vegeta JSON targets: a fresh delivery id and a distinct body each (a sequence number
# added to the payload, signed per request), since hook drops a body it has seen as a replay.
targets() { # URL ROUND
  python3 - "$1" "$2" "$payload" <<'PY'
import base64, hashlib, hmac, json, sys
url, round_, path = sys.argv[1], sys.argv[2], sys.argv[3]
base = open(path, "rb").read().rstrip()[:-1]
out = sys.stdout
i = 0
try:
    while True:
        i += 1
        body = base + b',"bench_seq":%d}' % i
        sig = "sha256=" + hmac.new(b"bench-secret", body, hashlib.sha256).hexdigest()
        b64 = base64.b64encode(body).decode()
        headers = {"X-GitHub-Event": ["issue_comment"], "X-GitHub-Delivery": [f"r{round_}-{i}"],
                   "X-Hub-Signature-256": [sig], "Content-Type": ["application/json"]}
        out.write(json.dumps({"method": "POST", "url": url, "body": b64, "header": headers}) + "\n")
except BrokenPipeError:
    pass
PY
}

declare -A rps p50 p99 ok
for round in $(seq "$rounds"); do
  for mode in bare hook-sink hook-local; do
    result=$(targets "http://127.0.0.1:${ports[$mode]}/hook" "$round-$mode" |
      "$vegeta" attack -lazy -format=json -rate=0 -max-workers="$workers" -duration="${seconds}s" |
      "$vegeta" report -type=json)
    read -r r a b s < <(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); l=d["latencies"]; print(d["throughput"], l["50th"]/1e6, l["99th"]/1e6, d["success"])' "$result")
    rps[$mode]+="$r "; p50[$mode]+="$a "; p99[$mode]+="$b "; ok[$mode]+="$s "
  done
done

echo "hook load test: $rounds rounds of ${seconds}s per server, alternating, $workers workers, $(wc -c <"$payload") byte payload; medians"
for mode in bare hook-sink hook-local; do
  printf '  %-10s  %8.0f req/s   p50 %6.2f ms   p99 %6.2f ms   success %s\n' "$mode" \
    "$(echo "${rps[$mode]}" | median)" "$(echo "${p50[$mode]}" | median)" \
    "$(echo "${p99[$mode]}" | median)" "$(echo "${ok[$mode]}" | median)"
done
python3 -c 'import sys; b,s,l=map(float,sys.argv[1:]); print(f"  hook/bare throughput: with an HTTP sink {s/b:.2f}x, local mode {l/b:.2f}x (target: at least 0.5x)")' \
  "$(echo "${rps[bare]}" | median)" "$(echo "${rps[hook-sink]}" | median)" "$(echo "${rps[hook-local]}" | median)"
