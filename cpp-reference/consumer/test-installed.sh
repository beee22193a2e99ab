#!/usr/bin/env bash
# Installs the project built in BUILD_DIR under a temporary prefix, builds cpp-reference/consumer
# against the installed copy twice (find_package(Megatorrent), then pkg-config megatorrent), runs
# both, and prints what ldd shows for the installed libmegatorrent.so.
#   bash cpp-reference/consumer/test-installed.sh build
set -euo pipefail
build="$(cd "$1" && pwd)"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d /tmp/megatorrent-install-XXXXXX)"
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"

cmake --install "$build" --prefix "$prefix" >/dev/null
echo "installed under $prefix:"
(cd "$prefix" && find . -type f | sort | sed 's/^/  /')

echo "-- find_package(Megatorrent)"
cmake -S "$here" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/cmake" >/dev/null
"$work/cmake/consumer"

echo "-- pkg-config megatorrent"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
echo "  pkg-config --cflags --libs megatorrent: $(pkg-config --cflags --libs megatorrent)"
c++ -std=c++17 -Wall -Wextra -Werror "$here/main.cpp" -o "$work/consumer-pc" \
  $(pkg-config --cflags --libs megatorrent) -Wl,-rpath,"$(pkg-config --variable=libdir megatorrent)"
"$work/consumer-pc"

echo "-- ldd $prefix/lib/libmegatorrent.so"
deps="$(ldd "$prefix/lib/libmegatorrent.so")"
echo "$deps"
toolchain="$(dirname "$(dirname "$(command -v swift)")")"
if grep -q "not found" <<<"$deps" || grep -q "$toolchain" <<<"$deps" || grep -qE "libswift|libFoundation|libdispatch" <<<"$deps"; then
  echo "the installed library needs something from the Swift toolchain or an unresolved library" >&2
  exit 1
fi
echo "installed library: $(grep -c '=>' <<<"$deps") shared libraries, none from the Swift toolchain"
