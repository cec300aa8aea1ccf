#!/usr/bin/env bash
# Cold start of the scale-to-zero functions: from exec to the first 200 from GET /healthz, and
# the peak RSS then, for every function started with the example
# configuration (knative/config) and with Kubernetes' own (../shared/corpus/k8s-prow, 3,849 jobs),
# against a bare axum server (hook's load_target example) in the same run. Median of RUNS.
# Kubernetes' configuration is measured twice: from its YAML, and with the prepared form that
# `prow checkconfig --write-prepared` writes (`--prepared-config`), as a deployment runs it.
# The functions get a kubeconfig naming an unreachable API server: nothing connects before the
# first request, as in a cluster, so what is measured is start-up and configuration loading.
#
# Usage: scripts/bench-coldstart.sh [RUNS]        (default 7; corpus at ../shared/corpus or PROW_CORPUS)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-7}"
source scripts/lib/bench.sh
k8s=$(corpus_path k8s-prow/config)
target="${CARGO_TARGET_DIR:-target}"
cargo build --release --quiet -p hook -p trigger -p controller -p crier -p horologium -p sinker \
  -p tide -p deck -p prow
cargo build --release --quiet -p hook --example load_target

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf 'bench-secret' >"$work/hmac"
printf 'ghp_bench' >"$work/token"
cat >"$work/kubeconfig" <<'KUBE'
apiVersion: v1
kind: Config
clusters: [{name: none, cluster: {server: "https://127.0.0.1:9"}}]
users: [{name: none, user: {token: none}}]
contexts: [{name: none, context: {cluster: none, user: none, namespace: default}}]
current-context: none
KUBE

"$target/release/prow" checkconfig --config-path="$k8s/prow/config.yaml" --job-config-path="$k8s/jobs" \
  --plugin-config="$k8s/prow/plugins.yaml" --write-prepared="$work/prepared" 2>/dev/null

python3 - "$runs" "$target" "$work" "$k8s" <<'PY'
import os, socket, statistics, subprocess, sys, time
runs, target, work, k8s = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
example = ["--config-path=knative/config/config.yaml", "--job-config-path=knative/config/jobs",
           "--plugin-config=knative/config/plugins.yaml"]
kubernetes = [f"--config-path={k8s}/prow/config.yaml", f"--job-config-path={k8s}/jobs",
              f"--plugin-config={k8s}/prow/plugins.yaml"]
common = [f"--hmac-secret-file={work}/hmac", f"--github-token-path={work}/token"]

def port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def healthy(p):
    try:
        with socket.create_connection(("127.0.0.1", p), timeout=0.2) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            return s.recv(16).startswith(b"HTTP/1.1 200")
    except OSError:
        return False

def once(argv, p):
    env = dict(os.environ, PORT=str(p), KUBECONFIG=f"{work}/kubeconfig", RUST_LOG="error")
    started = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not healthy(p):
            if proc.poll() is not None:
                raise SystemExit(f"{argv[0]} exited with {proc.returncode}")
            if time.perf_counter() - started > 30:
                raise SystemExit(f"{argv[0]} did not answer in 30 s")
            time.sleep(0.0005)
        elapsed = (time.perf_counter() - started) * 1000
        with open(f"/proc/{proc.pid}/status") as f:
            hwm = next(int(l.split()[1]) for l in f if l.startswith("VmHWM")) / 1024
        return elapsed, hwm
    finally:
        proc.kill(); proc.wait()

def measure(argv_for):
    times, rss = [], []
    for _ in range(runs):
        p = port()
        t, m = once(argv_for(p), p)
        times.append(t); rss.append(m)
    return statistics.median(times), statistics.median(rss)

bare_t, bare_m = measure(lambda p: [f"{target}/release/examples/load_target", "bare", str(p)])
print(f"cold start, exec to first /healthz 200, median of {runs}; peak RSS then")
print(f"  {'bare axum':<11} {bare_t:8.1f} ms {bare_m:7.1f} MiB")
# What each needs beyond the configuration to start, as its Knative Service gives it.
extras = {"crier": ["--github-workers=1"], "tide": [f"--history-uri=file://{work}/tide"],
          "deck": [f"--cookie-secret={work}/cookie"]}
with open(f"{work}/cookie", "w") as f:
    f.write("c" * 64)
for fn in ["hook", "trigger", "controller", "crier", "horologium", "sinker", "tide", "deck"]:
    rows = {}
    prepared = [*kubernetes, f"--prepared-config={work}/prepared"]
    for name, flags in [("example", example), ("kubernetes", kubernetes), ("prepared", prepared)]:
        extra = extras.get(fn, [])
        rows[name] = measure(lambda p, flags=flags, extra=extra: [f"{target}/release/{fn}", *flags, *common, *extra])
    (et, em), (kt, km), (pt, pm) = rows["example"], rows["kubernetes"], rows["prepared"]
    print(f"  {fn:<11} example {et:6.1f} ms {em:5.1f} MiB | kubernetes {kt:6.1f} ms {km:6.1f} MiB"
          f" ({kt / et:4.1f}x) | prepared {pt:6.1f} ms {pm:5.1f} MiB ({pt / et:4.1f}x)")
PY
