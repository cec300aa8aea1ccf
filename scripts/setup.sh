#!/usr/bin/env bash
# Prepares a machine to build and test the project: checks the toolchain, installs the Python
# jsonschema package the webhook tests use, builds the Kubernetes test control plane from Go
# modules (cached), installs Chromium and ChromeDriver for deck's browser tests and Redis for the
# GitHub cache's tests, the nightly toolchain and cargo-fuzz for the fuzz targets, and fetches every
# crate the lock files name. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

need() { command -v "$1" >/dev/null 2>&1 || { echo "setup: '$1' is missing: $2" >&2; exit 1; }; }
need cargo "install Rust 1.95 or newer (https://rustup.rs)"
need rustc "install Rust 1.95 or newer (https://rustup.rs)"

version=$(rustc --version | awk '{print $2}')
major=${version%%.*}; rest=${version#*.}; minor=${rest%%.*}
if [ "$major" -lt 1 ] || { [ "$major" -eq 1 ] && [ "$minor" -lt 95 ]; }; then
  echo "setup: rustc $version is too old; the workspace needs 1.95 or newer" >&2
  exit 1
fi
for component in rustfmt clippy; do
  if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
    echo "setup: the $component component is missing: rustup component add $component" >&2
    exit 1
  fi
done

# The GitHub stand-in's webhook tests validate payloads against octokit's schema with Python's
# jsonschema.
need python3 "install Python 3 (the webhook schema check uses it)"
if ! python3 -c 'import jsonschema' >/dev/null 2>&1; then
  python3 -m pip install --quiet 'jsonschema>=4' || { echo "setup: cannot install jsonschema" >&2; exit 1; }
fi

# Google's Pub/Sub emulator ships with this machine image (Java). Tests start it themselves; under
# CI=true a missing emulator fails them.
emulator="${PUBSUB_EMULATOR_BIN:-/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator}"
if [ ! -x "$emulator" ]; then
  echo "setup: warning: no Pub/Sub emulator at $emulator; its tests will be skipped (set PUBSUB_EMULATOR_BIN)" >&2
  [ -z "${CI:-}" ] || exit 1
fi
need java "install a Java runtime (the Pub/Sub emulator needs one)"

# The Kubernetes tests run a real control plane (etcd, kube-apiserver, kube-scheduler, kwok) built
# from Go modules into ~/.cache/prow-rs/testenv: about 9 minutes the first time on 2 cores, then
# cached. Without Go those tests are skipped with a message; under CI=true they must run.
if command -v go >/dev/null 2>&1; then
  scripts/kube-testenv.sh build >/dev/null
else
  echo "setup: warning: Go is missing, so the Kubernetes tests will be skipped (install Go 1.26)" >&2
  [ -z "${CI:-}" ] || exit 1
fi

# The deployment's tests build images with crane, render knative/ with kustomize, and run hook's
# Lambda package under AWS's runtime interface emulator: all three built from Go modules into
# ~/.cache/prow-rs/tools (about 30 s the first time). They also decode knative/ through the
# Terraform module: with the machine's Terraform, or, where there is none, OpenTofu (the same
# language and commands) built from its Go module into the same folder.
if command -v go >/dev/null 2>&1; then
  scripts/deploy-tools.sh build >/dev/null
elif ! command -v terraform >/dev/null 2>&1; then
  echo "setup: warning: neither Go nor terraform: the deployment tests will be skipped" >&2
  [ -z "${CI:-}" ] || exit 1
fi

# deck's browser tests drive Debian's headless Chromium through ChromeDriver (about 90 s to
# install the first time). Without them those tests are skipped with a message; under CI=true
# they must run.
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "setup: installing chromium and chromium-driver (deck's browser tests)" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) >/dev/null \
      || { echo "setup: cannot install chromium and chromium-driver" >&2; [ -z "${CI:-}" ] || exit 1; }
  else
    echo "setup: warning: chromium and chromedriver are missing; deck's browser tests will be skipped (apt-get install chromium chromium-driver)" >&2
    [ -z "${CI:-}" ] || exit 1
  fi
fi

# The shared GitHub response cache is tested against a real Redis server (Debian's package; the
# tests start their own on a free port, the package's service is not used).
if ! command -v redis-server >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "setup: installing redis-server (the GitHub cache's tests)" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server) >/dev/null \
      || { echo "setup: cannot install redis-server" >&2; [ -z "${CI:-}" ] || exit 1; }
  else
    echo "setup: warning: redis-server is missing; the GitHub cache's Redis tests will be skipped (apt-get install redis-server)" >&2
    [ -z "${CI:-}" ] || exit 1
  fi
fi

cargo fetch --locked

# The fuzz targets (tests/fuzz, scripts/fuzz.sh) build with cargo-fuzz on the nightly toolchain:
# libFuzzer's coverage and AddressSanitizer need nightly's -Z flags (the workspace stays on
# stable). cargo-fuzz is pinned; installing it takes about a minute the first time. The fuzz crate
# is outside the workspace, with its own lock file.
cargo_fuzz_version=0.13.2
if command -v rustup >/dev/null 2>&1; then
  if ! rustup run nightly rustc --version >/dev/null 2>&1; then
    echo "setup: installing the nightly toolchain (the fuzz targets)" >&2
    rustup toolchain install nightly --profile minimal >/dev/null \
      || { echo "setup: cannot install the nightly toolchain" >&2; exit 1; }
  fi
  if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "setup: installing cargo-fuzz $cargo_fuzz_version (the fuzz targets)" >&2
    cargo install cargo-fuzz --locked --version "$cargo_fuzz_version" >/dev/null 2>&1 \
      || { echo "setup: cannot install cargo-fuzz $cargo_fuzz_version" >&2; exit 1; }
  fi
  cargo +nightly fetch --locked --manifest-path tests/fuzz/Cargo.toml
else
  echo "setup: warning: no rustup, so no nightly toolchain: scripts/fuzz.sh cannot run" >&2
  [ -z "${CI:-}" ] || exit 1
fi
echo "setup: ok (rustc $version)"
