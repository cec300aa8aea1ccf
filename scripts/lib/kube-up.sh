# Sourced by the benchmark scripts: `kube_up WORK` starts scripts/kube-testenv.sh with its state in
# WORK/kube (kubeconfig at WORK/kube/kubeconfig), keeps it running while this shell's descriptor 8
# stays open, and sets kube_pid for the caller's cleanup.
kube_up() {
  local work="$1"
  mkfifo "$work/kube-stdin"
  scripts/kube-testenv.sh up "$work/kube" <"$work/kube-stdin" >"$work/kube.out" 2>"$work/kube.log" &
  kube_pid=$!
  exec 8>"$work/kube-stdin"
  for _ in $(seq 600); do grep -q '^ready' "$work/kube.out" 2>/dev/null && break; sleep 0.5; done
  grep -q '^ready' "$work/kube.out" || { cat "$work/kube.log" >&2; echo "the control plane did not start" >&2; return 1; }
}
