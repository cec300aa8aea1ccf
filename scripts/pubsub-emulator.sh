#!/usr/bin/env bash
# Starts or stops Google's Pub/Sub emulator for manual runs (tests start their own).
#   scripts/pubsub-emulator.sh start [PORT]   prints: export PUBSUB_EMULATOR_HOST=127.0.0.1:PORT
#   scripts/pubsub-emulator.sh stop
# It runs in its own process group, so stopping it also stops the Java process the launcher starts.
set -euo pipefail
launcher="${PUBSUB_EMULATOR_BIN:-/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator}"
state="${XDG_RUNTIME_DIR:-/tmp}/prow-pubsub-emulator"
case "${1:-}" in
  start)
    [ -x "$launcher" ] || { echo "no Pub/Sub emulator at $launcher (set PUBSUB_EMULATOR_BIN)" >&2; exit 1; }
    port="${2:-8085}"
    mkdir -p "$state"
    setsid "$launcher" --host=127.0.0.1 --port="$port" >"$state/emulator.log" 2>&1 &
    echo $! >"$state/pid"
    for _ in $(seq 600); do
      if curl -sf "http://127.0.0.1:$port/" >/dev/null 2>&1; then
        echo "export PUBSUB_EMULATOR_HOST=127.0.0.1:$port"
        exit 0
      fi
      sleep 0.1
    done
    echo "the emulator did not answer within 60 s; see $state/emulator.log" >&2
    exit 1
    ;;
  stop)
    if [ -f "$state/pid" ]; then
      kill -TERM -- "-$(cat "$state/pid")" 2>/dev/null || true
      rm -f "$state/pid"
    fi
    ;;
  *)
    echo "usage: $0 start [PORT] | stop" >&2
    exit 2
    ;;
esac
