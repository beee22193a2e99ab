#!/usr/bin/env bash
# Installs what building and testing Megatorrent needs: Debian packages with apt, and the Python
# packages the interoperability tests use. Idempotent; quick when everything is already there.
set -euo pipefail

APT_PACKAGES=(
  libtorrent-rasterbar-dev libboost-system-dev libssl-dev libsqlite3-dev
  cmake pkg-config make gcc g++ libasan8 libubsan1 python3-pip python3-libtorrent
  openssl ca-certificates
  dante-server tcpdump iproute2 tor i2pd
)
PIP_PACKAGES=(pynacl rfc8785 pytest websockets noiseprotocol pproxy)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import nacl, rfc8785, pytest, websockets, noise.connection, pproxy' 2>/dev/null; then
  echo "setup: installing Python packages ${PIP_PACKAGES[*]}" >&2
  "$PYTHON" -m pip install -q --disable-pip-version-check "${PIP_PACKAGES[@]}" \
    || "$PYTHON" -m pip install -q --disable-pip-version-check --break-system-packages "${PIP_PACKAGES[@]}"
fi
