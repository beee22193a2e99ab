#!/usr/bin/env bash
# The test command: installs what is missing, then runs every test suite.
#   1. swift test: crypto vectors, JSON/JCS, manifests, key files, SQLite state, libtorrent shim, CLI
#   2. ctest: the C ABI test under AddressSanitizer and UndefinedBehaviorSanitizer
#   3. pytest: interoperability with PyPI pynacl and rfc8785
#   4. fuzz: each libFuzzer target for a short time (FUZZ_SECONDS, default 30)
# Ends with one line "tests: N passed, M failed" over all of them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
logs=.build/test-logs
mkdir -p "$logs"

step() { printf '\n== %s\n' "$*"; }
# Runs a command with its output kept in $logs/$1.log; fails the script when the command fails.
run_logged() {
  local name="$1"; shift
  set +e
  "$@" 2>&1 | tee "$logs/$name.log"
  local status=${PIPESTATUS[0]}
  set -e
  [ "$status" -eq 0 ] || { echo "test.sh: $name failed (status $status)" >&2; exit "$status"; }
}

step "swift build"
swift build

step "swift test"
run_logged swift-test swift test
# "Executed N tests, with S tests skipped and 0 failures": a skipped test does not count as passed.
swift_summary=$(grep -E "^Test Suite 'All tests' passed" -A1 "$logs/swift-test.log" | tail -n1)
swift_executed=$(echo "$swift_summary" | grep -oE "Executed [0-9]+" | grep -oE "[0-9]+")
swift_skipped=$(echo "$swift_summary" | grep -oE "[0-9]+ tests? skipped" | grep -oE "^[0-9]+" || echo 0)
swift_passed=$((swift_executed - swift_skipped))

step "C ABI under ASan/UBSan (ctest)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build
run_logged ctest ctest --test-dir build --output-on-failure -V
c_checks=$(grep -oE "[0-9]+ passed, 0 failed$" "$logs/ctest.log" | grep -oE "^[0-9]+" | awk '{ sum += $1 } END { print sum + 0 }')
ctest_passed=$(grep -oE "tests passed, 0 tests failed out of [0-9]+" "$logs/ctest.log" | grep -oE "[0-9]+$")

step "interop with pynacl and rfc8785 (pytest)"
MEGATORRENT_BIN="$PWD/.build/debug/megatorrent" run_logged pytest python3 -m pytest -v tests/interop
pytest_passed=$(grep -oE "[0-9]+ passed" "$logs/pytest.log" | tail -n1 | grep -oE "[0-9]+")

step "fuzz (${FUZZ_SECONDS:-30} s per target)"
run_logged fuzz bash fuzz/run.sh --all --seconds "${FUZZ_SECONDS:-30}"
fuzz_passed=$(grep -c "^fuzz: .* done" "$logs/fuzz.log" || true)

total=$((swift_passed + ctest_passed + pytest_passed + fuzz_passed))
echo
echo "swift test: ${swift_passed} (${swift_skipped} skipped, not counted); ctest: ${ctest_passed} (${c_checks} C checks); pytest: ${pytest_passed}; fuzz targets: ${fuzz_passed}"
echo "tests: ${total} passed, 0 failed"
