#!/usr/bin/env bash
# libmegatorrent.so must need nothing from the Swift toolchain at run time: every library ldd lists
# must resolve, and none may live under the toolchain's folder.
set -euo pipefail
lib="$1"
toolchain="$(dirname "$(dirname "$(command -v swift)")")"
deps="$(ldd "$lib")"
echo "$deps"
if grep -q "not found" <<<"$deps"; then echo "unresolved dependency" >&2; exit 1; fi
if grep -q "$toolchain" <<<"$deps"; then echo "depends on the Swift toolchain at $toolchain" >&2; exit 1; fi
if grep -qE "libswift|libFoundation|libdispatch" <<<"$deps"; then echo "depends on a Swift runtime library" >&2; exit 1; fi
echo "runtime dependencies: $(grep -c '=>' <<<"$deps") shared libraries, none from the Swift toolchain"
