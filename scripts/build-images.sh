#!/usr/bin/env bash
# Builds one OCI image per function and pushes it, without a base image or a Docker engine: each
# image is one layer holding the binary, exactly the shared libraries `ldd` says it loads, the CA
# certificates, and an /etc/passwd naming the unprivileged user it runs as (65532, "nonroot").
#
#   scripts/build-images.sh --registry REGISTRY [--tag TAG] [--binaries DIR] [FUNCTION...]
#
#   --registry   where to push: REGISTRY/FUNCTION:TAG (e.g. ghcr.io/my-org/prow); a registry on
#                localhost is spoken to over plain HTTP
#   --tag        the tag (default: the commit, `git describe --always --dirty`)
#   --binaries   a folder of already-built binaries; without it, `cargo build --release` builds them
#   FUNCTION     hook trigger controller crier horologium sinker tide deck gerrit prow (default: all)
#
# Prints one line per image: "FUNCTION REFERENCE@DIGEST SIZE", SIZE being the compressed layer in
# bytes. Pushing uses crane (scripts/deploy-tools.sh builds it) and the credentials of
# `crane auth login` or a Docker config.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

all=(hook trigger controller crier horologium sinker tide deck gerrit prow)
registry="" tag="" binaries="" functions=()
while [ $# -gt 0 ]; do
  case "$1" in
    --registry) registry="${2:?--registry needs a value}"; shift 2 ;;
    --registry=*) registry="${1#*=}"; shift ;;
    --tag) tag="${2:?--tag needs a value}"; shift 2 ;;
    --tag=*) tag="${1#*=}"; shift ;;
    --binaries) binaries="${2:?--binaries needs a value}"; shift 2 ;;
    --binaries=*) binaries="${1#*=}"; shift ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "build-images: unknown option $1" >&2; exit 2 ;;
    *)
      [[ " ${all[*]} " == *" $1 "* ]] || { echo "build-images: no function named '$1' (one of: ${all[*]})" >&2; exit 2; }
      functions+=("$1"); shift ;;
  esac
done
[ -n "$registry" ] || { echo "build-images: --registry is required" >&2; exit 2; }
[ ${#functions[@]} -gt 0 ] || functions=("${all[@]}")
[ -n "$tag" ] || tag=$(git -C "$here/.." describe --always --dirty 2>/dev/null || echo latest)

tools=$("$here/deploy-tools.sh" build)
crane="$tools/crane"
certs=/etc/ssl/certs/ca-certificates.crt
[ -f "$certs" ] || { echo "build-images: no CA certificates at $certs (apt-get install ca-certificates)" >&2; exit 1; }

if [ -z "$binaries" ]; then
  packages=()
  for f in "${functions[@]}"; do packages+=(-p "$f"); done
  cargo build --release --locked --bins "${packages[@]}" >&2
  binaries="${CARGO_TARGET_DIR:-$here/../target}/release"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Copies a file to the same path under the root, following links (the loader finds each library
# by the path `ldd` printed).
place() { mkdir -p "$2$(dirname "$1")"; cp -L "$1" "$2$1"; }

for f in "${functions[@]}"; do
  binary="$binaries/$f"
  [ -x "$binary" ] || { echo "build-images: no binary at $binary" >&2; exit 1; }
  root="$work/$f/root"
  mkdir -p "$root/etc/ssl/certs" "$root/tmp"
  chmod 1777 "$root/tmp"
  # Debug information only: the symbol table stays, so a panic's backtrace still names functions.
  objcopy --strip-debug "$binary" "$root/$f"
  chmod 755 "$root/$f"
  ldd "$binary" | awk '/=> \// { print $3 } /^\t\// { print $1 }' | while read -r library; do
    place "$library" "$root"
  done
  cp "$certs" "$root/etc/ssl/certs/ca-certificates.crt"
  printf 'root:x:0:0:root:/:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/:/sbin/nologin\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\n' >"$root/etc/group"
  printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
  # Reproducible: the same files make the same layer digest.
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$root" -cf "$work/$f/layer.tar" .
  reference="$registry/$f:$tag"
  log="$work/$f/crane.log"
  "$crane" append --oci-empty-base -f "$work/$f/layer.tar" -t "$reference" >/dev/null 2>"$log" \
    || { cat "$log" >&2; echo "build-images: pushing $reference failed" >&2; exit 1; }
  digest=$("$crane" mutate "$reference" -t "$reference" \
    --entrypoint "/$f" --user 65532:65532 --workdir / --set-platform linux/amd64 \
    --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt --exposed-ports 8080/tcp \
    -l "org.opencontainers.image.title=$f" -l "org.opencontainers.image.revision=$tag" 2>"$log") \
    || { cat "$log" >&2; echo "build-images: configuring $reference failed" >&2; exit 1; }
  size=$("$crane" manifest "$reference" 2>"$log" | python3 -c 'import json,sys; print(sum(l["size"] for l in json.load(sys.stdin)["layers"]))')
  echo "$f ${digest} $size"
done
