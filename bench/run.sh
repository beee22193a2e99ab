#!/usr/bin/env bash
# Runs every benchmark in a release build and prints each as a ratio to a baseline measured in the
# same run. Options are passed on: --json (one JSON object per line), --quick, --check (exit 1 when a
# ratio is below its target), --only NAME (manifest-verify, fanout, noise-handshake, secure-goodput,
# dht-latency, blob-ingest, blob-download, blob-rss). The fan-out benchmark runs its servers as child processes (the Python baseline,
# bench/baselines/ws_broadcast.py, needs PyPI websockets, which setup.sh installs) and needs `ulimit -n`
# of 10,256 or more (1,256 with --quick); after its compared phases it prints its ceiling on this
# machine (a raw SwiftNIO broadcast server, and the client alone reading pre-written messages). dht-latency runs bench/baselines/lt_dht_latency.py with
# /usr/bin/python3 (Debian's python3-libtorrent, which setup.sh installs).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build -c release --product megatorrent-bench >&2
exec .build/release/megatorrent-bench "$@"
