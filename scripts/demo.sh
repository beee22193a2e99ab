#!/usr/bin/env bash
# The main job: a local demo of the whole flow, on loopback, in fresh state folders (SQLite files
# inside them). A tracker starts; an author turns a sample file into a torrent and seeds it, makes a
# channel key and publishes a signed manifest with the file's magnet; a subscriber gets it at once and
# downloads the file through libtorrent (peers found through the tracker's HTTP announce); a second
# version reaches the subscriber live; replays, rollbacks and forgeries are refused, also by a
# restarted subscriber (the last sequence lives in SQLite). A second subscriber follows through
# peers only (gossip over the Noise-IK transport, the tracker being a relay); at the end the channel
# is published on the BitTorrent DHT and resolved by nodes that never talk to the tracker, also after
# the author has left.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build --product megatorrent >&2
mt="$PWD/.build/debug/megatorrent"
work="$(mktemp -d "${TMPDIR:-/tmp}/megatorrent-demo.XXXXXX")"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
author=(--state-dir "$work/author") subscriber=(--state-dir "$work/subscriber")

say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
expect_refusal() {
  if out="$("$@" 2>&1)"; then echo "UNEXPECTED: accepted" >&2; exit 1; fi
  echo "refused as expected -> $out"
}
wait_for_line() {  # FILE PATTERN: wait (at most 30 s) until FILE has a line matching PATTERN
  for _ in $(seq 300); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "timed out waiting for '$2' in $1" >&2; cat "$1" >&2; exit 1
}

say "0. The parts: libtorrent, OpenSSL, state folders"
"$mt" info "${author[@]}"

say "1. A tracker starts on loopback (SQLite file: $work/tracker.sqlite)"
"$mt" serve --listen 127.0.0.1:0 --peer-listen 127.0.0.1:0 --db "$work/tracker.sqlite" --state-dir "$work/tracker" \
  >"$work/serve.log" 2>&1 &
pids+=($!)
wait_for_line "$work/serve.log" "listening on"
wait_for_line "$work/serve.log" "peers on"
cat "$work/serve.log"
peer="$(awk '/^peers on/ { print $3 ":" $5 }' "$work/serve.log")"
tracker="ws://$(grep -o '127.0.0.1:[0-9]*' "$work/serve.log" | head -n 1)/"

say "2. The author turns a sample file into a torrent and seeds it (announcing to the tracker)"
mkdir -p "$work/share"
head -c 4000000 /dev/urandom >"$work/share/sample-video.bin"
announce="http://$(grep -o '127.0.0.1:[0-9]*' "$work/serve.log" | head -n 1)/announce"
"$mt" seed "$work/share/sample-video.bin" --announce "$announce" --torrent-listen 127.0.0.1:0 >"$work/seed.log" 2>&1 &
pids+=($!)
wait_for_line "$work/seed.log" "magnet:"
cat "$work/seed.log"
magnet="$(grep '^magnet:' "$work/seed.log" | head -n 1)"

say "3. The author makes a channel key (its public key is the channel's address)"
"$mt" keygen --out "$work/author.key" "${author[@]}" | tee "$work/keygen.txt"
channel="$(tail -n 1 "$work/keygen.txt")"
echo "subscribe with: magnet:?xs=urn:btpk:$channel"

say "4. A subscriber follows the channel through the tracker, downloading what it lists"
"$mt" subscribe "$channel" --tracker "$tracker" "${subscriber[@]}" \
  --download "$work/downloads" --torrent-listen 127.0.0.1:0 >"$work/subscriber.log" 2>&1 &
pids+=($!)
sleep 1

say "4b. A second subscriber follows the channel through peers only: the tracker's Noise-IK port"
"$mt" subscribe "$channel" --peer "$peer" --state-dir "$work/peer-subscriber" >"$work/peer-subscriber.log" 2>&1 &
pids+=($!)
sleep 1

say "5. The author signs and publishes version 1, with the sample file's magnet"
printf '{"collections":[{"title":"Samples","items":["%s"]}]}\n' "$magnet" >"$work/v1.json"
"$mt" publish --tracker "$tracker" --key "$work/author.key" "${author[@]}" "$work/v1.json"
wait_for_line "$work/subscriber.log" "sequence 1"
wait_for_line "$work/subscriber.log" "downloaded sample-video.bin"
echo "the subscriber got it, and downloaded the file:"; sed 's/^/  | /' "$work/subscriber.log"
cmp "$work/share/sample-video.bin" "$work/downloads/sample-video.bin"
echo "the downloaded file is byte for byte the seeded one ($(stat -c %s "$work/downloads/sample-video.bin") bytes)"

say "6. Version 2 adds a collection; the subscriber gets it live"
printf '{"collections":[{"title":"Samples","items":["%s"]},{"title":"Elsewhere","items":["magnet:?xt=urn:btih:dd8255ecdc7ca55fb0bbf81323d87062db1f6d1c&dn=Big%%20Buck%%20Bunny"]}]}\n' "$magnet" >"$work/v2.json"
"$mt" manifest sign --key "$work/author.key" "${author[@]}" "$work/v2.json" >"$work/m2.json"
"$mt" publish --tracker "$tracker" "$work/m2.json"
wait_for_line "$work/subscriber.log" "sequence 2"
echo "the subscriber got it:"; grep -A 10 "sequence 2" "$work/subscriber.log" | sed 's/^/  | /'
wait_for_line "$work/peer-subscriber.log" "sequence 2"
echo "so did the subscriber that follows through peers:"; sed 's/^/  | /' "$work/peer-subscriber.log"

say "7. A replay to the tracker, and a forged manifest, are refused"
expect_refusal "$mt" publish --tracker "$tracker" "$work/m2.json"
sed 's/Elsewhere/Elsewhen/' "$work/m2.json" >"$work/forged.json"
expect_refusal "$mt" publish --tracker "$tracker" "$work/forged.json"
expect_refusal "$mt" manifest verify "$work/forged.json"

say "8. The subscriber restarts: it asks for the newest and keeps its last sequence from SQLite"
kill "${pids[2]}"; wait "${pids[2]}" 2>/dev/null || true  # the tracker-following subscriber
"$mt" subscribe "$channel" --tracker "$tracker" "${subscriber[@]}" --once
"$mt" manifest sign --key "$work/author.key" "${author[@]}" --sequence 1 "$work/v1.json" >"$work/old.json"
expect_refusal "$mt" manifest verify --record "${subscriber[@]}" "$work/old.json"

say "9. The channel on the BitTorrent DHT: a node follows it there, the author publishes version 2"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
dht_port="$(free_port)"
"$mt" subscribe "$channel" --dht --dht-listen "127.0.0.1:$dht_port" --dht-interval 2 --state-dir "$work/dht-subscriber" \
  >"$work/dht-subscriber.log" 2>&1 &
pids+=($!)
sleep 1
"$mt" publish --dht --key "$work/author.key" "${author[@]}" --dht-listen 127.0.0.1:0 --dht-node "127.0.0.1:$dht_port" \
  "$work/m2.json" >"$work/dht-author.log" 2>&1 &
author_pid=$!
wait_for_line "$work/dht-author.log" "published on the DHT"
sed 's/^/  | /' "$work/dht-author.log"
wait_for_line "$work/dht-subscriber.log" "sequence 2 from dht"
echo "the DHT node resolved it (pointer, manifest torrent fetched from the author, checked):"
sed 's/^/  | /' "$work/dht-subscriber.log" | head -n 3
kill "$author_pid"; wait "$author_pid" 2>/dev/null || true
echo "the author has left; a new reader resolves the channel from the DHT node's seed:"
"$mt" subscribe "$channel" --dht --once --timeout 60 --dht-listen 127.0.0.1:0 --dht-node "127.0.0.1:$dht_port" \
  --state-dir "$work/late-reader" | head -n 1

say "Done: channel $channel is at version 2 at its subscribers (tracker, peers, DHT)."
