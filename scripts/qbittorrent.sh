#!/usr/bin/env bash
# Builds Debian's qBittorrent 4.5.2 with Megatorrent channels (cpp-reference/qbittorrent) linked to
# libmegatorrent, and runs the end-to-end test against it. Not part of every CI run (it installs Qt
# and Chromium and builds qBittorrent: see docs/qbittorrent.md for timings).
#
#   bash scripts/qbittorrent.sh [STEP...]     STEP: deps fetch lib build test (default: all of them)
#
# deps   apt: a deb-src entry of this script's own (megatorrent-deb-src.sources), qBittorrent's
#        build dependencies, cmake and chromium (for the WebUI screenshot)
# fetch  apt-get source qbittorrent (4.5.2, Debian's patches applied), then our part: the files of
#        cpp-reference/qbittorrent/src copied in and qbittorrent-4.5.2-megatorrent.patch applied
# lib    libmegatorrent (scripts/build-lib.sh) installed under $QBT_WORK/prefix with cmake --install,
#        and the megatorrent CLI the test uses (release, same scratch folder)
# build  qbittorrent-nox (CMake, GUI=OFF) against the installed libmegatorrent (find_package)
# test   tests/qbittorrent/e2e.sh: WebAPI subscribe, DHT publish, download, WebUI screenshot
#
# QBT_WORK (default: .qbittorrent in the repository, ignored by git) holds the source, the builds,
# the prefix and the test's artifacts. QBT_JOBS (default: 2) is the build's parallelism.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${QBT_WORK:-$root/.qbittorrent}"
jobs="${QBT_JOBS:-2}"
version="4.5.2"
src="$work/src/qbittorrent-$version"
prefix="$work/prefix"
mkdir -p "$work"
work="$(cd "$work" && pwd)"

SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
apt_get() { DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=900 "$@"; }
step() { echo "== qbittorrent.sh: $1 ($(date +%T))" >&2; }

BUILD_DEPS=(
  libtorrent-rasterbar-dev libboost-dev libssl-dev zlib1g-dev
  qtbase5-dev qttools5-dev qttools5-dev-tools libqt5svg5-dev
  cmake pkg-config make g++ dpkg-dev curl python3 chromium
)

deps() {
  step deps
  if ! apt-cache showsrc qbittorrent 2>/dev/null | grep -q "^Version: $version"; then
    # The suites of the machine's own deb entries, as deb-src.
    $SUDO tee /etc/apt/sources.list.d/megatorrent-deb-src.sources >/dev/null <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    apt_get update -qq
  fi
  local missing=()
  for pkg in "${BUILD_DEPS[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    apt_get update -qq
    apt_get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

fetch() {
  step fetch
  mkdir -p "$work/src"
  cd "$work/src"
  ls qbittorrent_"$version"-*.dsc >/dev/null 2>&1 || apt-get source --download-only qbittorrent >/dev/null
  local fresh="$work/src/fresh"
  rm -rf "$fresh"
  dpkg-source -x qbittorrent_"$version"-*.dsc "$fresh" >/dev/null 2>&1
  cp -r "$root/cpp-reference/qbittorrent/src/." "$fresh/src/"
  patch -d "$fresh" -p1 --forward --quiet < "$root/cpp-reference/qbittorrent/qbittorrent-$version-megatorrent.patch"
  # Into $src, touching only the files that changed, so that a rebuild is incremental.
  python3 - "$fresh" "$src" <<'PY'
import filecmp, os, shutil, sys
fresh, src = sys.argv[1], sys.argv[2]
for base, dirs, files in os.walk(fresh):
    target = os.path.join(src, os.path.relpath(base, fresh))
    os.makedirs(target, exist_ok=True)
    for name in files:
        a, b = os.path.join(base, name), os.path.join(target, name)
        if not os.path.exists(b) or not filecmp.cmp(a, b, shallow=False):
            shutil.copyfile(a, b)  # a new mtime: make sees the change
            shutil.copymode(a, b)
for base, dirs, files in os.walk(src, topdown=False):
    for name in files:
        if not os.path.exists(os.path.join(fresh, os.path.relpath(os.path.join(base, name), src))):
            os.remove(os.path.join(base, name))
PY
  rm -rf "$fresh"
  echo "qBittorrent $version with Megatorrent in $src" >&2
}

lib() {
  step lib
  cmake -S "$root" -B "$work/megatorrent-build" -DCMAKE_INSTALL_PREFIX="$prefix" >/dev/null
  cmake --build "$work/megatorrent-build" --target megatorrent_library
  cmake --install "$work/megatorrent-build" >/dev/null
  # The CLI for the test, from the same scratch folder and flags as the library (shared modules).
  (cd "$root" && swift build -c release --scratch-path .build-lib --product megatorrent \
    -Xswiftc -static-stdlib -Xlinker -soname=libmegatorrent.so >&2)
  ldd "$prefix/lib/libmegatorrent.so"
}

build() {
  step build
  cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DGUI=OFF -DSYSTEMD=OFF -DSTACKTRACE=OFF \
    -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
  cmake --build "$work/build" -j "$jobs"
  ldd "$work/build/qbittorrent-nox" | grep -E "megatorrent|torrent-rasterbar"
}

test_e2e() {
  step test
  QBT_NOX="$work/build/qbittorrent-nox" MEGATORRENT_CLI="$root/.build-lib/release/megatorrent" \
    ARTIFACTS="$work/artifacts" bash "$root/tests/qbittorrent/e2e.sh"
}

steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(deps fetch lib build test)
start=$SECONDS
for s in "${steps[@]}"; do
  t=$SECONDS
  case "$s" in
    deps) deps ;;
    fetch) fetch ;;
    lib) lib ;;
    build) build ;;
    test) test_e2e ;;
    *) echo "unknown step $s (deps fetch lib build test)" >&2; exit 2 ;;
  esac
  echo "== qbittorrent.sh: $s took $((SECONDS - t)) s" >&2
done
echo "== qbittorrent.sh: ${steps[*]} took $((SECONDS - start)) s" >&2
