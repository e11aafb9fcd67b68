#!/usr/bin/env bash
# Builds examples/hello with tsbuild and runs it. Needs root, Linux with
# overlayfs, busybox-static and a built tsbuild (npm ci does that).
# Makes the busybox base image first when the store does not have it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
tsbuild=("$repo/bin/tsbuild")
[ -f "$repo/dist/tsbuild.js" ] || (cd "$repo" && npm run --silent build)
[ -x "$repo/native/build/boxinit" ] || (cd "$repo" && npm run --silent build:native)

if ! "${tsbuild[@]}" inspect busybox:latest >/dev/null 2>&1; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  echo "== making the busybox base image (fixtures/busybox-rootfs.sh + tsbuild import)"
  bash "$repo/fixtures/busybox-rootfs.sh" "$work/rootfs" "$work/rootfs.tar"
  "${tsbuild[@]}" import "$work/rootfs.tar" busybox:latest
fi

echo "== tsbuild -f examples/hello/Boxfile -t hello examples/hello"
"${tsbuild[@]}" -f "$here/Boxfile" -t hello "$here"

echo "== tsbuild run --rm hello"
"${tsbuild[@]}" run --rm hello
