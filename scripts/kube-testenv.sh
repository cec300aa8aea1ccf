#!/usr/bin/env bash
# A real Kubernetes control plane for tests, built from Go modules (no Docker, no download site):
# etcd, kube-apiserver and kube-scheduler from k8s.io/kubernetes, and kwok as the fake kubelet.
#
#   scripts/kube-testenv.sh build          build (or reuse) the pinned binaries; prints their directory
#   scripts/kube-testenv.sh up DIR         start them on loopback with state in DIR, apply our ProwJob CRD
#                                          (knative/crds/prowjob.yaml), write DIR/kubeconfig,
#                                          print "ready DIR/kubeconfig", and run until stdin closes or a
#                                          signal arrives, then stop everything (tests hold stdin open)
#   scripts/kube-testenv.sh upstream NAME  build upstream Prow's cmd/NAME (e.g. checkconfig); prints its path
#
# Binaries are cached under $PROW_TESTENV_CACHE (default ~/.cache/prow-rs/testenv), keyed by version, so
# only the first run builds. Needs Go (see README); without it, `build` exits 3 with a message.
set -euo pipefail

KUBE_VERSION=1.36.3        # kube-apiserver, kube-scheduler; etcd is the version this release requires
KWOK_VERSION=0.8.0
# The module proxy serves no newer pseudo-version of sigs.k8s.io/prow (it has no tags).
PROW_VERSION=v0.0.0-20240619181241-cfb8754e0459

here="$(cd "$(dirname "$0")" && pwd)"
cache="${PROW_TESTENV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/prow-rs/testenv}"
bin="$cache/bin/k8s-$KUBE_VERSION-kwok-$KWOK_VERSION"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod

log() { echo "kube-testenv: $*" >&2; }

need_go() {
  if ! command -v go >/dev/null 2>&1; then
    log "Go is not installed, so the Kubernetes test environment cannot be built (see README, 'Kubernetes tests')"
    exit 3
  fi
}

# One builder at a time: parallel test binaries may all ask for the binaries at once.
with_lock() {
  mkdir -p "$cache"
  exec 9>"$cache/.lock"
  flock 9
}

build_kube() {
  local work="$cache/src/k8s-$KUBE_VERSION"
  mkdir -p "$work" "$bin"
  cd "$work"
  if [ ! -f go.mod ]; then
    go mod init testenv.invalid/kubebins >/dev/null 2>&1
    go mod edit -require="k8s.io/kubernetes@v$KUBE_VERSION"
    # k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them with ./staging/...;
    # a dependent module must point each one at the matching v0.X.Y. Derived from the release's go.mod,
    # so a version bump picks up new staging modules by itself.
    local gomod
    gomod=$(go mod download -json "k8s.io/kubernetes@v$KUBE_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
    grep -oE '^\s*k8s\.io/[a-z0-9-]+ => \./staging' "$gomod" | awk '{print $1}' |
      while read -r module; do go mod edit -replace="$module=$module@v0.${KUBE_VERSION#1.}"; done
    grep -E '^godebug ' "$gomod" >>go.mod || true
    cat >tools.go <<'GO'
//go:build tools

package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
)
GO
    go mod tidy
  fi
  local minor="${KUBE_VERSION#1.}"; minor="${minor%%.*}"
  local ldflags="-s -w -X k8s.io/component-base/version.gitVersion=v$KUBE_VERSION"
  ldflags+=" -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor"
  ldflags+=" -X k8s.io/component-base/version.gitTreeState=clean"
  go build -trimpath -ldflags "$ldflags" -o "$bin/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-scheduler
  # The etcd main package is its module root, so `go build -o DIR/` would name it "v3".
  go build -trimpath -ldflags "-s -w" -o "$bin/etcd" go.etcd.io/etcd/server/v3
}

build_kwok() {
  GOBIN="$bin" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@v$KWOK_VERSION"
}

cmd_build() {
  need_go
  with_lock
  if [ -x "$bin/kube-apiserver" ] && [ -x "$bin/kube-scheduler" ] && [ -x "$bin/etcd" ] && [ -x "$bin/kwok" ]; then
    echo "$bin"
    return
  fi
  local started=$SECONDS
  log "building Kubernetes v$KUBE_VERSION (etcd, kube-apiserver, kube-scheduler) and kwok v$KWOK_VERSION into $bin"
  log "a cold build downloads a few hundred Go modules and takes several minutes on 2 cores"
  ( build_kube ) >&2
  ( build_kwok ) >&2
  log "built in $((SECONDS - started)) s"
  echo "$bin"
}

# The wrapper module upstream's commands are built in (created once).
upstream_module() {
  local work="$1"
  mkdir -p "$work"
  (
    cd "$work"
    if [ ! -f go.mod ]; then
      go mod init testenv.invalid/prowbins >/dev/null 2>&1
      go mod edit -require="sigs.k8s.io/prow@$PROW_VERSION" -require=golang.org/x/tools@v0.52.0
      printf '//go:build tools\n\npackage tools\n\nimport _ "sigs.k8s.io/prow/cmd/checkconfig"\n' >tools.go
      go mod tidy
    fi
  ) >&2
}

cmd_upstream() {
  local name="${1:?usage: $0 upstream NAME}"
  need_go
  with_lock
  local dir="$cache/bin/prow-$PROW_VERSION"
  # Test tools of our own (tests/upstream/NAME/main.go) built against upstream's packages, keyed
  # by their source so an edit rebuilds them.
  local own="$here/../tests/upstream/$name/main.go"
  if [ -f "$own" ]; then
    local key
    key=$(sha256sum "$own" | cut -c1-12)
    local target="$dir/$name-$key"
    if [ ! -x "$target" ]; then
      local started=$SECONDS
      log "building tests/upstream/$name against upstream Prow $PROW_VERSION"
      local work="$cache/src/prow-$PROW_VERSION"
      upstream_module "$work"
      mkdir -p "$work/$name" "$dir"
      cp "$own" "$work/$name/main.go"
      ( cd "$work" && go build -trimpath -ldflags "-s -w" -o "$target" "./$name" ) >&2
      log "built in $((SECONDS - started)) s"
    fi
    echo "$target"
    return
  fi
  if [ ! -x "$dir/$name" ]; then
    local started=$SECONDS
    log "building upstream Prow's cmd/$name at $PROW_VERSION"
    # A wrapper module rather than `go install`: that pseudo-version pins golang.org/x/tools
    # v0.9.3, which no longer compiles with current Go, so the wrapper raises it.
    local work="$cache/src/prow-$PROW_VERSION"
    upstream_module "$work"
    mkdir -p "$dir"
    ( cd "$work" && go build -trimpath -ldflags "-s -w" -o "$dir/$name" "sigs.k8s.io/prow/cmd/$name" ) >&2
    log "built in $((SECONDS - started)) s"
  fi
  echo "$dir/$name"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_for() { # URL SECONDS [curl args...]
  local url="$1" seconds="$2"; shift 2
  local deadline=$((SECONDS + seconds))
  until curl -sf -o /dev/null "$@" "$url"; do
    if [ $SECONDS -ge $deadline ]; then return 1; fi
    sleep 0.1
  done
}

cmd_up() {
  local dir="${1:?usage: $0 up DIR}"
  local bindir
  bindir=$(cmd_build)
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  # Globals: the EXIT trap runs after this function's locals are gone.
  pids=()
  etcd_data=""
  stop() {
    trap - EXIT INT TERM
    # Newest first, so etcd goes last; the API server does not always exit on TERM when its
    # clients are gone, so whatever remains after 5 s is killed.
    local i
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null || true; done
    for _ in $(seq 50); do
      local alive=0
      for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
      [ $alive = 0 ] && break
      sleep 0.1
    done
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [ -n "$etcd_data" ]; then rm -rf "$etcd_data"; fi
  }
  trap stop EXIT
  trap 'exit 0' INT TERM

  # Identity: a static bearer token for a system:masters user; serving certificate from our own CA.
  local token
  token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
  echo "$token,testenv-admin,testenv-admin,\"system:masters\"" >"$dir/tokens.csv"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 7 \
    -subj "/CN=testenv-ca" -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=kube-apiserver" \
    -keyout "$dir/apiserver.key" -out "$dir/apiserver.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
    >"$dir/apiserver.ext"
  openssl x509 -req -in "$dir/apiserver.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
    -days 7 -extfile "$dir/apiserver.ext" -out "$dir/apiserver.crt" 2>/dev/null
  openssl genrsa -out "$dir/sa.key" 2048 2>/dev/null

  local etcd_port peer_port api_port sched_port
  etcd_port=$(free_port); peer_port=$(free_port); api_port=$(free_port); sched_port=$(free_port)
  local started=$SECONDS

  # etcd's data is throwaway: tmpfs when there is one, and no fsync.
  etcd_data="$dir/etcd"
  if [ -d /dev/shm ] && [ -w /dev/shm ]; then etcd_data=$(mktemp -d /dev/shm/prow-testenv-etcd.XXXXXX); fi
  "$bindir/etcd" --data-dir "$etcd_data" --unsafe-no-fsync=true \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "default=http://127.0.0.1:$peer_port" --log-level warn >"$dir/etcd.log" 2>&1 &
  pids+=($!)
  wait_for "http://127.0.0.1:$etcd_port/health" 30 || { log "etcd did not start; see $dir/etcd.log"; exit 1; }

  # The flags envtest uses, on loopback. No controller-manager: so no ServiceAccount admission, and
  # no not-ready taint on new nodes (nothing would lift it).
  # The API server alone can be stopped and started again (a test writes `apiserver-stop` or
  # `apiserver-start` to stdin; the answer is a line on stdout), to test an outage mid-run.
  start_apiserver() {
    "$bindir/kube-apiserver" \
      --etcd-servers "http://127.0.0.1:$etcd_port" \
      --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
      --cert-dir "$dir" --tls-cert-file "$dir/apiserver.crt" --tls-private-key-file "$dir/apiserver.key" \
      --token-auth-file "$dir/tokens.csv" --authorization-mode RBAC \
      --service-cluster-ip-range 10.0.0.0/24 --allow-privileged=true \
      --disable-admission-plugins ServiceAccount,TaintNodesByCondition \
      --service-account-issuer "https://127.0.0.1:$api_port/" \
      --service-account-key-file "$dir/sa.key" --service-account-signing-key-file "$dir/sa.key" \
      --enable-priority-and-fairness=false >>"$dir/kube-apiserver.log" 2>&1 &
    apiserver_pid=$!
    pids+=($!)
  }
  start_apiserver

  cat >"$dir/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: testenv
  cluster:
    server: https://127.0.0.1:$api_port
    certificate-authority: $dir/ca.crt
users:
- name: testenv-admin
  user:
    token: $token
contexts:
- name: testenv
  context: {cluster: testenv, user: testenv-admin, namespace: default}
current-context: testenv
EOF
  wait_for "https://127.0.0.1:$api_port/readyz" 60 --cacert "$dir/ca.crt" -H "Authorization: Bearer $token" ||
    { log "kube-apiserver did not become ready; see $dir/kube-apiserver.log"; exit 1; }

  "$bindir/kube-scheduler" --kubeconfig "$dir/kubeconfig" --leader-elect=false \
    --bind-address 127.0.0.1 --secure-port "$sched_port" \
    --authentication-kubeconfig "$dir/kubeconfig" --authorization-kubeconfig "$dir/kubeconfig" \
    --authorization-always-allow-paths /healthz,/readyz,/livez,/metrics >"$dir/kube-scheduler.log" 2>&1 &
  pids+=($!)

  # kwok reads ~/.kwok/kwok.yaml if it exists: give it a clean HOME.
  mkdir -p "$dir/kwok-home"
  HOME="$dir/kwok-home" "$bindir/kwok" --kubeconfig "$dir/kubeconfig" \
    --manage-nodes-with-label-selector kwok.x-k8s.io/node=fake \
    --config "$here/../tests/harness/kube/kwok-stages.yaml" \
    --cidr 10.244.0.0/16 --node-ip 10.0.0.10 >"$dir/kwok.log" 2>&1 &
  pids+=($!)

  local curl_auth=(--cacert "$dir/ca.crt" -H "Authorization: Bearer $token")
  local api="https://127.0.0.1:$api_port"
  # One fake node kwok manages; the scheduler places pods on it.
  curl -sf -o /dev/null "${curl_auth[@]}" -X POST -H 'Content-Type: application/yaml' \
    --data-binary @"$here/../tests/harness/kube/fake-node.yaml" "$api/api/v1/nodes" ||
    { log "could not create the fake node"; exit 1; }
  # Our ProwJob CRD (generated from the Rust types), ready before anyone creates a ProwJob.
  curl -sf -o /dev/null "${curl_auth[@]}" -X POST -H 'Content-Type: application/yaml' \
    --data-binary @"$here/../knative/crds/prowjob.yaml" \
    "$api/apis/apiextensions.k8s.io/v1/customresourcedefinitions" ||
    { log "could not create the ProwJob CRD"; exit 1; }
  wait_for "$api/apis/prow.k8s.io/v1/prowjobs" 30 "${curl_auth[@]}" ||
    { log "the ProwJob CRD did not become established"; exit 1; }
  # The scheduler must be serving before a test creates a pod.
  wait_for "https://127.0.0.1:$sched_port/healthz" 30 -k ||
    { log "kube-scheduler did not start; see $dir/kube-scheduler.log"; exit 1; }

  printf 'export KUBECONFIG=%s\n' "$dir/kubeconfig" >"$dir/env"
  log "up in $((SECONDS - started)) s: etcd :$etcd_port, kube-apiserver :$api_port, kube-scheduler :$sched_port, kwok"
  echo "ready $dir/kubeconfig"
  # Run until stdin closes (the test process that started us exited) or a signal arrives.
  local command
  while read -r command; do
    case "$command" in
      apiserver-stop)
        kill -TERM "$apiserver_pid" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$apiserver_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$apiserver_pid" 2>/dev/null || true
        wait "$apiserver_pid" 2>/dev/null || true
        echo "apiserver stopped" ;;
      apiserver-start)
        start_apiserver
        if wait_for "https://127.0.0.1:$api_port/readyz" 60 --cacert "$dir/ca.crt" -H "Authorization: Bearer $token"; then
          echo "apiserver ready"
        else
          echo "apiserver failed; see $dir/kube-apiserver.log"
        fi ;;
    esac
  done
}

case "${1:-}" in
  build) cmd_build ;;
  up) shift; cmd_up "$@" ;;
  upstream) shift; cmd_upstream "$@" ;;
  *) echo "usage: $0 build | up DIR | upstream NAME" >&2; exit 2 ;;
esac
