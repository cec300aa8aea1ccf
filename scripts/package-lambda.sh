#!/usr/bin/env bash
# Packages hook for AWS Lambda (runtime `provided.al2023`, handler ignored): a zip holding
#   bootstrap   the entry point Lambda runs: writes the secrets it is given to files only its
#               user can read under /tmp, then runs hook with upstream's flags
#   hook        the binary (glibc 2.34 or older, as Amazon Linux 2023 has)
#   config/     config.yaml, plugins.yaml and jobs/ (the configuration hook reads; a change to it
#               is a new package, which Terraform deploys when the zip's hash changes)
#
#   scripts/package-lambda.sh [--binary PATH] [--config DIR] [--output ZIP]
#
#   --binary   an already-built hook; without it, `cargo build --release -p hook` builds it
#   --config   a folder with config.yaml, plugins.yaml and jobs/ (default: knative/config)
#   --output   the zip to write (default: dist/hook-lambda.zip)
#
# The function's environment: PROW_HMAC_SECRET (the webhook secret), PROW_GITHUB_TOKEN (a token;
# or mount nothing and use a GitHub App through PROW_GITHUB_APP_ID and PROW_GITHUB_APP_PRIVATE_KEY),
# K_SINK (where events go on, e.g. the Knative broker's ingress), and optionally
# PROW_GITHUB_ENDPOINT. terraform/modules/aws sets them.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

binary="" config="$here/../knative/config" output="$here/../dist/hook-lambda.zip"
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary="${2:?--binary needs a value}"; shift 2 ;;
    --binary=*) binary="${1#*=}"; shift ;;
    --config) config="${2:?--config needs a value}"; shift 2 ;;
    --config=*) config="${1#*=}"; shift ;;
    --output) output="${2:?--output needs a value}"; shift 2 ;;
    --output=*) output="${1#*=}"; shift ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "package-lambda: unknown argument $1" >&2; exit 2 ;;
  esac
done
for file in config.yaml plugins.yaml; do
  [ -f "$config/$file" ] || { echo "package-lambda: $config has no $file" >&2; exit 1; }
done
if [ -z "$binary" ]; then
  cargo build --release --locked -p hook --bin hook >&2
  binary="${CARGO_TARGET_DIR:-$here/../target}/release/hook"
fi
[ -x "$binary" ] || { echo "package-lambda: no binary at $binary" >&2; exit 1; }
# Amazon Linux 2023 has glibc 2.34: a binary needing newer symbols would not start there.
newest=$(objdump -T "$binary" | grep -oE 'GLIBC_[0-9]+\.[0-9]+' | sort -uV | tail -1)
if [ "$(printf '%s\nGLIBC_2.34\n' "$newest" | sort -V | tail -1)" != "GLIBC_2.34" ]; then
  echo "package-lambda: $binary needs $newest; Lambda's provided.al2023 has GLIBC_2.34" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/config"
objcopy --strip-debug "$binary" "$work/hook"
cp "$config/config.yaml" "$config/plugins.yaml" "$work/config/"
if [ -d "$config/jobs" ]; then cp -R "$config/jobs" "$work/config/jobs"; else mkdir "$work/config/jobs"; fi
cat >"$work/bootstrap" <<'SH'
#!/bin/sh
# hook under AWS Lambda (written by scripts/package-lambda.sh).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
secrets=/tmp/prow-secrets
umask 077
mkdir -p "$secrets"
if [ -z "${PROW_HMAC_SECRET:-}" ]; then
  echo "bootstrap: PROW_HMAC_SECRET is not set; hook cannot check webhook signatures" >&2
  exit 1
fi
printf '%s' "$PROW_HMAC_SECRET" >"$secrets/hmac"
set -- --hmac-secret-file="$secrets/hmac"
if [ -n "${PROW_GITHUB_TOKEN:-}" ]; then
  printf '%s' "$PROW_GITHUB_TOKEN" >"$secrets/token"
  set -- "$@" --github-token-path="$secrets/token"
elif [ -n "${PROW_GITHUB_APP_PRIVATE_KEY:-}" ]; then
  printf '%s\n' "$PROW_GITHUB_APP_PRIVATE_KEY" >"$secrets/app.pem"
  set -- "$@" --github-app-id="${PROW_GITHUB_APP_ID:?PROW_GITHUB_APP_ID goes with the App key}" \
    --github-app-private-key-path="$secrets/app.pem"
fi
# The secrets stay in files, out of hook's environment.
unset PROW_HMAC_SECRET PROW_GITHUB_TOKEN PROW_GITHUB_APP_PRIVATE_KEY
exec "$here/hook" --config-path="$here/config/config.yaml" --job-config-path="$here/config/jobs" \
  --plugin-config="$here/config/plugins.yaml" \
  --github-endpoint="${PROW_GITHUB_ENDPOINT:-https://api.github.com}" "$@"
SH
chmod 755 "$work/bootstrap" "$work/hook"
mkdir -p "$(dirname "$output")"
rm -f "$output"
# Python's zipfile keeps each file's mode, so Lambda finds bootstrap and hook executable.
( cd "$work" && python3 - "$output" <<'PY'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as archive:
    for top, dirs, files in os.walk("."):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(top, name)
            info = zipfile.ZipInfo.from_file(path, os.path.normpath(path))
            info.date_time = (1980, 1, 1, 0, 0, 0)
            with open(path, "rb") as source:
                archive.writestr(info, source.read(), zipfile.ZIP_DEFLATED)
PY
)
echo "$output $(stat -c %s "$output")"
