#!/usr/bin/env bash
# System packages tsbuild and its tests need on Debian/Ubuntu. Run as root.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends \
  ca-certificates gcc libc6-dev make util-linux iproute2 nftables \
  busybox-static zstd curl openssl perl bsdutils git python3 \
  skopeo podman buildah runc docker-registry
