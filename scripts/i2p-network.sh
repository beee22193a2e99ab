#!/usr/bin/env bash
# A Noise session end to end over a real I2P stream (docs/anonymity.md, "I2P SAM"): a private network of five
# i2pd routers in network namespaces (routers 1 and 2 floodfill; 198.18.77.0/24, no route out of the namespaces),
# then two megatorrent nodes on routers 4 and 5:
#   r4: serve --peer-listen i2p --i2p-sam 127.0.0.1:7656 (a tracker and gossip relay on an I2P destination);
#       publish --tracker ws://127.0.0.1:PORT/ stores a signed manifest in it
#   r5: subscribe CHANNEL --peer NAME.b32.i2p:KEY --i2p-sam 127.0.0.1:7656 --once
# The subscriber must receive the manifest through I2P (SAM STREAM CONNECT -> STREAM ACCEPT, Noise IK inside).
# Needs root (ip netns) and i2pd (scripts/setup.sh); takes a few minutes; not part of scripts/test.sh or CI.
#   bash scripts/i2p-network.sh [--keep]     (--keep: leave the folder $BASE for inspection; MEGATORRENT=PATH: use that binary)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
N=5
P=${PREFIX:-mti2p$$}
P=${P:0:9}
BASE=$(mktemp -d /tmp/megatorrent-i2p.XXXXXX)
KEEP=0; [ "${1:-}" = "--keep" ] && KEEP=1
[ "$(id -u)" -eq 0 ] || { echo "i2p-network: needs root (ip netns)" >&2; exit 2; }
command -v i2pd >/dev/null || bash scripts/setup.sh
log() { echo "i2p-network: $*" >&2; }
started=$(date +%s)
elapsed() { echo $(( $(date +%s) - started ))s; }

# MEGATORRENT=PATH: a megatorrent binary already built (else the debug build is made here).
if [ -n "${MEGATORRENT:-}" ]; then MT=$(realpath "$MEGATORRENT"); else swift build --product megatorrent >&2; MT=$ROOT/.build/debug/megatorrent; fi

PIDS=()
cleanup() {
  set +e
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  sleep 1
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null; done
  N=$N BASE=$BASE sh scripts/i2p/stop.sh
  N=$N PREFIX=$P sh scripts/i2p/netns-down.sh
  [ "$KEEP" = 1 ] && log "kept $BASE" || rm -rf "$BASE"
}
trap cleanup EXIT

log "namespaces ${P}r1..${P}r$N, folder $BASE"
N=$N PREFIX=$P sh scripts/i2p/netns-up.sh
N=$N BASE=$BASE sh scripts/i2p/mkconf.sh
# First start: each router writes its router.info; then every router gets every other's, in place of reseeding.
N=$N PREFIX=$P BASE=$BASE sh scripts/i2p/start.sh
for i in $(seq 1 $N); do
  for _ in $(seq 1 120); do [ -s "$BASE/r$i/router.info" ] && break; sleep 0.5; done
  [ -s "$BASE/r$i/router.info" ] || { log "router $i wrote no router.info"; exit 1; }
done
N=$N BASE=$BASE sh scripts/i2p/stop.sh
N=$N BASE=$BASE python3 scripts/i2p/share-ri.py >&2
N=$N PREFIX=$P BASE=$BASE sh scripts/i2p/start.sh
log "routers up ($(elapsed)); waiting for SAM on routers 4 and 5"
for i in 4 5; do
  for _ in $(seq 1 120); do ip netns exec ${P}r$i bash -c 'exec 3<>/dev/tcp/127.0.0.1/7656' 2>/dev/null && break; sleep 0.5; done
done

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
A=$BASE/nodeA; B=$BASE/nodeB; W=$BASE/author; mkdir -p "$A" "$B" "$W"

# Node A on router 4: the tracker and gossip relay, accepting peers on its I2P destination.
# (ip netns exec directly, not through in_ns: $! must be the process that becomes megatorrent, for cleanup)
ip netns exec ${P}r4 "$MT" serve --state-dir "$A" --listen 127.0.0.1:0 --peer-listen i2p --i2p-sam 127.0.0.1:7656 \
  >"$A/serve.out" 2>"$A/serve.err" &
PIDS+=($!)
for _ in $(seq 1 400); do grep -q "^peers on .*\.b32\.i2p key " "$A/serve.out" 2>/dev/null && break; sleep 0.5; done
grep -q "^peers on .*\.b32\.i2p key " "$A/serve.out" || { log "serve did not open its I2P session"; cat "$A/serve.err" >&2; exit 1; }
TRACKER=$(sed -n 's/^listening on \([^ ]*\) .*/\1/p' "$A/serve.out")
ADDRESS=$(sed -n 's/^peers on \([^ ]*\) key \([0-9a-f]*\)$/\1/p' "$A/serve.out")
KEY=$(sed -n 's/^peers on \([^ ]*\) key \([0-9a-f]*\)$/\2/p' "$A/serve.out")
log "node A: tracker $TRACKER, peers on $ADDRESS ($(elapsed))"

# The author publishes version 1 of a channel to node A's tracker (inside router 4's namespace).
CHANNEL=$(in_ns ${P}r4 "$MT" keygen --state-dir "$W" --out "$W/channel.key" | tail -n 1)
echo '{"collections":[{"title":"over i2p","items":["magnet:?xt=urn:btih:dd8255ecdc7ca55fb0bbf81323d87062db1f6d1c"]}]}' \
  | in_ns ${P}r4 "$MT" publish --state-dir "$W" --tracker "ws://$TRACKER/" --key "$W/channel.key" --sequence 1 - >&2
log "published sequence 1 of $CHANNEL"

# Node B on router 5 follows the channel through node A's .b32.i2p address only.
subscribe_started=$(date +%s)
set +e
in_ns ${P}r5 "$MT" subscribe --state-dir "$B" "$CHANNEL" --peer "$ADDRESS:$KEY" --i2p-sam 127.0.0.1:7656 \
  --once --timeout 420 --json >"$B/subscribe.out" 2>"$B/subscribe.err"
status=$?
set -e
if [ $status -ne 0 ] || ! grep -q '"sequence":1' "$B/subscribe.out"; then
  log "FAILED: the subscriber did not receive the manifest over I2P (status $status, $(elapsed))"
  tail -n 20 "$B/subscribe.err" "$A/serve.err" >&2
  exit 1
fi
log "OK: the manifest crossed I2P (SAM stream r5 -> r4, Noise IK inside): subscribe took $(( $(date +%s) - subscribe_started ))s (its session, lookup, stream, handshake), $(elapsed) from the first router start"
