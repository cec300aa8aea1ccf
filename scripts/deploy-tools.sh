#!/usr/bin/env bash
# The tools the deployment is built and checked with, built from Go modules (no download site,
# no Docker): go-containerregistry's crane (builds and pushes the images, and serves a registry in
# tests), kustomize (renders knative/), and AWS's Lambda runtime interface emulator (runs hook's
# Lambda package in tests).
#
#   scripts/deploy-tools.sh build        build (or reuse) the pinned tools; prints their directory
#
# And OpenTofu, Terraform's open-source fork with the same language and commands, when the machine
# has no terraform on its PATH (this machine image ships Terraform): the tests decode knative/
# through the Terraform module, and CI checks the Terraform code's formatting. Terraform itself
# cannot be built from the module proxy (its go.mod replaces modules with folders the proxy does
# not serve).
#
# Cached under $PROW_TOOLS_CACHE (default ~/.cache/prow-rs/tools), keyed by version: about 30 s the
# first time (a few minutes more when Terraform is built), then nothing. Needs Go; without it,
# exits 3 with a message.
set -euo pipefail

CRANE_VERSION=v0.22.1
KUSTOMIZE_VERSION=v5.8.1   # v5.8.3 needs Go 1.27
# The emulator has no tagged release on the module proxy; this is its newest pseudo-version there.
RIE_VERSION=v0.0.0-20261030222936-bef5c4ba774d
TOFU_VERSION=v1.10.6
# OpenTofu's go.mod replaces HCL with its fork; a module built from the proxy must say so too.
TOFU_HCL_REPLACE=github.com/hashicorp/hcl/v2@v2.20.1=github.com/opentofu/hcl/v2@v2.20.2-0.20250121132637-504036cd70e7

cache="${PROW_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/prow-rs/tools}"
bin="$cache/bin/crane-$CRANE_VERSION-kustomize-$KUSTOMIZE_VERSION-rie-${RIE_VERSION##*-}"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod

log() { echo "deploy-tools: $*" >&2; }

cmd_build() {
  if ! command -v go >/dev/null 2>&1; then
    log "Go is not installed, so crane, kustomize and the Lambda emulator cannot be built (see README)"
    exit 3
  fi
  mkdir -p "$cache"
  exec 9>"$cache/.lock"
  flock 9
  if ! command -v terraform >/dev/null 2>&1 && [ ! -x "$bin/tofu" ]; then
    local started=$SECONDS
    log "no terraform on the PATH: building OpenTofu $TOFU_VERSION into $bin (a few minutes once)"
    local work="$cache/src/tofu-$TOFU_VERSION"
    mkdir -p "$work" "$bin"
    (
      cd "$work"
      if [ ! -f go.mod ]; then
        go mod init testenv.invalid/tofu >/dev/null 2>&1
        go mod edit -require="github.com/opentofu/opentofu@$TOFU_VERSION" -replace="$TOFU_HCL_REPLACE"
        printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/opentofu/opentofu/cmd/tofu"\n' >tools.go
        go mod tidy
      fi
      go build -trimpath -ldflags "-s -w" -o "$bin/tofu" github.com/opentofu/opentofu/cmd/tofu
    ) >&2
    log "built in $((SECONDS - started)) s"
  fi
  if [ -x "$bin/crane" ] && [ -x "$bin/kustomize" ] && [ -x "$bin/aws-lambda-rie" ]; then
    echo "$bin"
    return
  fi
  local started=$SECONDS
  log "building crane $CRANE_VERSION, kustomize $KUSTOMIZE_VERSION and aws-lambda-rie into $bin"
  mkdir -p "$bin"
  (
    export GOBIN="$bin"
    go install -trimpath -ldflags "-s -w" "github.com/google/go-containerregistry/cmd/crane@$CRANE_VERSION"
    go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
    go install -trimpath -ldflags "-s -w" \
      "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$RIE_VERSION"
  ) >&2
  log "built in $((SECONDS - started)) s"
  echo "$bin"
}

case "${1:-}" in
  build) cmd_build ;;
  *) echo "usage: $0 build" >&2; exit 2 ;;
esac
