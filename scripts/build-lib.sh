#!/usr/bin/env bash
# Builds libmegatorrent.so (the C ABI of include/megatorrent.h) in release with the Swift runtime
# linked statically, so it needs nothing from the Swift toolchain's folder at run time, and copies it
# to OUT_DIR (default: build/lib). Uses its own scratch folder, .build-lib.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/build/lib}"
mkdir -p "$out"
cd "$root"
swift build -c release --scratch-path .build-lib --product megatorrent-c \
  -Xswiftc -static-stdlib -Xlinker -soname=libmegatorrent.so >&2
cp .build-lib/release/libmegatorrent-c.so "$out/libmegatorrent.so.tmp"
mv "$out/libmegatorrent.so.tmp" "$out/libmegatorrent.so"
