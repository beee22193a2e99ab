#!/usr/bin/env bash
# Runs libFuzzer targets for a bounded time.
#   fuzz/run.sh TARGET [--seconds N]     one target (manifest, json, magnet, bencode, tracker,
#                                        noise-handshake, noise-record, wire, socks5, sam, blob-descriptor, blob-link, announce-reply)
#   fuzz/run.sh --all [--seconds N]      every target, one after another
# Builds a release binary with -sanitize=fuzzer,address in its own scratch folder (.build-fuzz).
# Corpora start from fuzz/corpus/<target> (committed seeds) and grow in fuzz/corpus-work/<target>.
# A crash leaves its input in fuzz/crashes/ and fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=30
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --all) targets=(manifest json magnet bencode tracker noise-handshake noise-record wire socks5 sam blob-descriptor blob-link announce-reply); shift ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || { echo "usage: fuzz/run.sh TARGET|--all [--seconds N]" >&2; exit 2; }

swift build -c release --scratch-path .build-fuzz --product megatorrent-fuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -use-ld=lld >&2
binary=.build-fuzz/release/megatorrent-fuzz
mkdir -p fuzz/crashes
for target in "${targets[@]}"; do
  mkdir -p "fuzz/corpus-work/$target" "fuzz/corpus/$target"
  echo "fuzz: $target for ${seconds}s"
  set +e
  "$binary" "$target" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="fuzz/crashes/$target-" -print_final_stats=1 \
    "fuzz/corpus-work/$target" "fuzz/corpus/$target" >"fuzz/crashes/.last-$target.log" 2>&1
  status=$?
  set -e
  grep -E "^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb|#[0-9]+ *DONE)" "fuzz/crashes/.last-$target.log" || true
  if [ "$status" -ne 0 ]; then
    # The sanitizer's or Swift's own error line first (the tail alone is mostly the shadow-byte legend).
    grep -E "(ERROR: |SUMMARY: |Fatal error|deadly signal)" "fuzz/crashes/.last-$target.log" | head -n 5 || true
    tail -n 40 "fuzz/crashes/.last-$target.log"
    echo "fuzz: $target FAILED (status $status); the input is in fuzz/crashes/" >&2
    exit 1
  fi
  echo "fuzz: $target done"
done
