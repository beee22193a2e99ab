#!/usr/bin/env bash
# End-to-end test of qBittorrent with Megatorrent channels, all on loopback (run through
# `bash scripts/qbittorrent.sh test`, which sets the paths):
#
#   1. our tracker (megatorrent serve) starts, and a seeder (megatorrent seed) shares a random file
#      announcing to it; a plain DHT node (megatorrent subscribe --dht) is the swarm's bootstrap node;
#   2. the patched qbittorrent-nox starts with a temporary profile: WebUI on 127.0.0.1 without login
#      for localhost, BitTorrent on 127.0.0.1, Megatorrent/DHTNodes = the bootstrap node;
#   3. the channel is followed through the WebAPI (/api/v2/megatorrent/subscribe, with a category and
#      a save path);
#   4. the author publishes a manifest listing the file's magnet with the CLI (publish --dht), into
#      the loopback DHT that qBittorrent's own session (host mode) is part of;
#   5. qBittorrent's session resolves the channel on the DHT within E2E_DHT_WAIT seconds (default 90)
#      and adds the magnet with the subscription's category and save path (/api/v2/torrents/info);
#      qBittorrent's log (/api/v2/log/main) shows that the manifest came from the DHT, and offering the
#      same signed manifest through /api/v2/megatorrent/offer afterwards answers "duplicate". The
#      torrent downloads from the seeder and the bytes match;
#   6. the WebUI's Channels tab, in headless Chromium, shows the subscription (DOM checked, PNG kept);
#   7. after a restart the subscription and its options are still there; unsubscribe empties the list.
#
# Environment: QBT_NOX (the qbittorrent-nox), MEGATORRENT_CLI (the megatorrent CLI), ARTIFACTS
# (where the screenshot and logs are kept), CHROMIUM (default: chromium).
set -euo pipefail
nox="${QBT_NOX:?QBT_NOX: the patched qbittorrent-nox}"
mt="${MEGATORRENT_CLI:?MEGATORRENT_CLI: the megatorrent CLI}"
artifacts="${ARTIFACTS:-$PWD/qbittorrent-e2e-artifacts}"
chromium="${CHROMIUM:-chromium}"
mkdir -p "$artifacts"
artifacts="$(cd "$artifacts" && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/megatorrent-qbt-e2e.XXXXXX")"
pids=()
qbt_pid=""
started=$SECONDS

cleanup() {
  local status=$?
  [ -n "$qbt_pid" ] && kill "$qbt_pid" 2>/dev/null || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  cp "$work"/*.log "$artifacts/" 2>/dev/null || true
  cp "$work/profile/qBittorrent/data/logs/qbittorrent.log" "$artifacts/qbittorrent.log" 2>/dev/null || true
  [ $status -eq 0 ] && rm -rf "$work" || echo "e2e: FAILED; logs in $artifacts, work folder $work" >&2
}
trap cleanup EXIT

say() { printf '\n== %s (%d s)\n' "$*" "$((SECONDS - started))"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
wait_for_line() {  # FILE PATTERN [SECONDS]
  for _ in $(seq $((${3:-30} * 10))); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  cat "$1" >&2; fail "timed out waiting for '$2' in $1"
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
api() { curl -sS --fail-with-body "http://127.0.0.1:$web_port/api/v2/$1" "${@:2}"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

say "1. Tracker, seeder and a DHT bootstrap node on loopback"
"$mt" serve --listen 127.0.0.1:0 --db "$work/tracker.sqlite" --state-dir "$work/tracker" >"$work/serve.log" 2>&1 &
pids+=($!)
wait_for_line "$work/serve.log" "listening on"
announce="http://$(grep -o '127.0.0.1:[0-9]*' "$work/serve.log" | head -n 1)/announce"
mkdir -p "$work/share"
head -c 3000000 /dev/urandom >"$work/share/channel-episode-1.bin"
"$mt" seed "$work/share/channel-episode-1.bin" --announce "$announce" --torrent-listen 127.0.0.1:0 >"$work/seed.log" 2>&1 &
pids+=($!)
wait_for_line "$work/seed.log" "^magnet:"
magnet="$(grep '^magnet:' "$work/seed.log" | head -n 1)"
hash="$(sed -E 's/.*btih:([0-9a-fA-F]{40}).*/\1/' <<<"$magnet" | tr 'A-F' 'a-f')"
echo "seeding $hash via $announce"

"$mt" keygen --out "$work/author.key" --state-dir "$work/author" >"$work/keygen.txt"
channel="$(tail -n 1 "$work/keygen.txt")"
dht_port="$(free_port)"
"$mt" subscribe "$channel" --dht --dht-listen "127.0.0.1:$dht_port" --dht-interval 600 --state-dir "$work/dht-node" \
  >"$work/dht-node.log" 2>&1 &
pids+=($!)
echo "channel $channel; DHT bootstrap node on 127.0.0.1:$dht_port"

say "2. qbittorrent-nox with a temporary profile"
web_port="$(free_port)"
bt_port="$(free_port)"
mkdir -p "$work/profile/qBittorrent/config" "$work/downloads"
start_qbittorrent() {
  "$nox" --profile="$work/profile" --webui-port="$web_port" >>"$work/qbittorrent-nox.log" 2>&1 &
  qbt_pid=$!
  for _ in $(seq 600); do
    curl -s "http://127.0.0.1:$web_port/api/v2/app/version" >/dev/null 2>&1 && return 0
    kill -0 "$qbt_pid" 2>/dev/null || { cat "$work/qbittorrent-nox.log" >&2; fail "qbittorrent-nox exited"; }
    sleep 0.1
  done
  fail "the WebUI did not answer"
}
stop_qbittorrent() {
  kill "$qbt_pid"
  for _ in $(seq 300); do kill -0 "$qbt_pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$qbt_pid" 2>/dev/null && fail "qbittorrent-nox did not stop"
  wait "$qbt_pid" 2>/dev/null || true
  qbt_pid=""
}
cat >"$work/profile/qBittorrent/config/qBittorrent.conf" <<EOF
[LegalNotice]
Accepted=true

[BitTorrent]
Session\Port=$bt_port
Session\InterfaceAddress=127.0.0.1
Session\DHTEnabled=true
Session\DHTBootstrapNodes=127.0.0.1:$dht_port
Session\LSDEnabled=false
Session\PeXEnabled=false
Session\MultiConnectionsPerIp=true
Session\SSRFMitigation=false
Session\QueueingSystemEnabled=false
Session\DefaultSavePath=$work/downloads

[Network]
PortForwardingEnabled=false

[Preferences]
WebUI\Address=127.0.0.1
WebUI\LocalHostAuth=false
WebUI\CSRFProtection=false
WebUI\HostHeaderValidation=false
General\Locale=en

[Megatorrent]
DHTNodes=127.0.0.1:$dht_port
ResolveInterval=${E2E_RESOLVE_INTERVAL:-5}
EOF
start_qbittorrent
echo "qBittorrent $(api app/version) on 127.0.0.1:$web_port (BitTorrent and DHT on 127.0.0.1:$bt_port); megatorrent: $(api megatorrent/info)"

say "3. Follow the channel through the WebAPI"
api megatorrent/subscribe -d "channel=magnet:?xs=urn:btpk:$channel" -d "category=channels" \
  --data-urlencode "savePath=$work/downloads/channel" | tee "$work/subscribe.json"; echo
[ "$(json 'd["channel"]' <"$work/subscribe.json")" = "$channel" ] || fail "subscribe answered another channel"
api megatorrent/subscriptions | tee "$work/subscriptions.json"; echo
[ "$(json 'd[0]["channel"] + " " + d[0]["category"]' <"$work/subscriptions.json")" = "$channel channels" ] \
  || fail "the subscription is not listed with its category"
bad_status="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$web_port/api/v2/megatorrent/subscribe" -d channel=nothex)"
[ "$bad_status" = 400 ] || fail "a bad channel answered $bad_status, not 400"

say "4. The author publishes a manifest with the file's magnet on the DHT (CLI)"
printf '{"collections":[{"title":"E2E channel","items":["%s"]}]}' "$magnet" >"$work/manifest.json"
"$mt" manifest sign --key "$work/author.key" --sequence 1 --state-dir "$work/author" "$work/manifest.json" >"$work/signed.json"
"$mt" publish --dht --key "$work/author.key" --state-dir "$work/author" --dht-listen 127.0.0.1:0 \
  --dht-node "127.0.0.1:$dht_port" --dht-node "127.0.0.1:$bt_port" "$work/signed.json" >"$work/publish.log" 2>&1 &
pids+=($!)
wait_for_line "$work/publish.log" "published on the DHT" 90
publish_time=$SECONDS
cat "$work/publish.log"

say "5. qBittorrent resolves the channel (host mode), adds the magnet with the category and save path, downloads it"
dht_wait="${E2E_DHT_WAIT:-90}"
info=""
for _ in $(seq $((dht_wait * 2))); do
  info="$(api "torrents/info?hashes=$hash")"
  [ "$(json 'len(d)' <<<"$info")" = 1 ] && break
  sleep 0.5
done
[ "$(json 'len(d)' <<<"$info")" = 1 ] \
  || { api megatorrent/subscriptions; echo; fail "the torrent did not appear in torrents/info within $dht_wait s"; }
echo "in torrents/info after $((SECONDS - publish_time)) s: $(json 'd[0]["name"] + " category=" + d[0]["category"] + " save_path=" + d[0]["save_path"]' <<<"$info")"
# Nothing but the DHT gave qBittorrent the manifest: the service logs each new manifest with the
# event's source, and the same manifest offered now is one the node holds already.
api log/main >"$work/log-main.json"
json '"\n".join(m["message"] for m in d if "Megatorrent" in m["message"])' <"$work/log-main.json" >"$work/megatorrent-log.txt"
cat "$work/megatorrent-log.txt"
grep -qF "channel $channel has sequence 1 (from dht)" "$work/megatorrent-log.txt" \
  || fail "qBittorrent's log does not show sequence 1 of the channel from the DHT"
if grep -q "(from [^d]" "$work/megatorrent-log.txt"; then fail "a manifest came from a source other than the DHT"; fi
api megatorrent/offer --data-urlencode "manifest@$work/signed.json" | tee "$work/offer.json"; echo
[ "$(json 'd["outcome"]' <"$work/offer.json")" = duplicate ] || fail "the manifest offered after the DHT delivery was not a duplicate"
echo "delivered through the DHT (host mode) in qBittorrent's session; the same manifest offered afterwards: duplicate"
[ "$(json 'd[0]["category"]' <<<"$info")" = channels ] || fail "wrong category"
[ "$(json 'd[0]["save_path"].rstrip("/")' <<<"$info")" = "$work/downloads/channel" ] || fail "wrong save path"
for _ in $(seq 240); do
  info="$(api "torrents/info?hashes=$hash")"
  [ "$(json 'd[0]["progress"]' <<<"$info")" = 1 ] && break
  sleep 0.5
done
[ "$(json 'd[0]["progress"]' <<<"$info")" = 1 ] || fail "not downloaded: $(json 'd[0]["state"], d[0]["progress"]' <<<"$info")"
cmp "$work/share/channel-episode-1.bin" "$work/downloads/channel/channel-episode-1.bin" || fail "the bytes differ"
echo "downloaded and identical after $((SECONDS - publish_time)) s ($(json 'd[0]["state"]' <<<"$info"))"
api "megatorrent/items?channel=$channel" | tee "$work/items.json"; echo
[ "$(json 'd[0]["hash"] + " " + str(d[0]["inSession"])' <"$work/items.json")" = "$hash True" ] || fail "items does not list the torrent"
api megatorrent/subscriptions >"$work/subscriptions.json"
[ "$(json 'd[0]["sequence"]' <"$work/subscriptions.json")" = 1 ] || fail "the subscription does not show sequence 1"

say "6. The WebUI's Channels tab in headless Chromium"
url="http://127.0.0.1:$web_port/#megatorrent"
chromium_flags=(--headless --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars
  --window-size=1400,800 --virtual-time-budget=15000 --user-data-dir="$work/chromium")
"$chromium" "${chromium_flags[@]}" --dump-dom "$url" >"$work/webui-dom.html" 2>"$work/chromium.log" || true
grep -q "megatorrentSubscriptionsBody" "$work/webui-dom.html" || fail "the Channels tab was not loaded"
grep -q "$channel" "$work/webui-dom.html" || fail "the Channels tab does not list the subscription"
grep -q "channel-episode-1.bin" "$work/webui-dom.html" || fail "the Channels tab does not list the item"
"$chromium" "${chromium_flags[@]}" --screenshot="$artifacts/webui-channels.png" "$url" >>"$work/chromium.log" 2>&1 || true
[ -s "$artifacts/webui-channels.png" ] || fail "no screenshot"
cp "$work/webui-dom.html" "$artifacts/"
echo "the tab lists $channel and its item; screenshot: $artifacts/webui-channels.png"

say "7. Persistence across a restart, then unsubscribe"
stop_qbittorrent
start_qbittorrent
api megatorrent/subscriptions >"$work/subscriptions.json"
[ "$(json 'd[0]["channel"] + " " + d[0]["category"] + " " + d[0]["savePath"]' <"$work/subscriptions.json")" \
  = "$channel channels $work/downloads/channel" ] || { cat "$work/subscriptions.json"; fail "not kept across the restart"; }
echo "kept across the restart: $(cat "$work/subscriptions.json")"
api megatorrent/unsubscribe -d "channel=$channel" >/dev/null
[ "$(api megatorrent/subscriptions)" = "[]" ] || fail "unsubscribe left the channel listed"
[ "$(json 'len(d)' <<<"$(api "torrents/info?hashes=$hash")")" = 1 ] || fail "unsubscribe removed the torrent"
echo "unsubscribed; the torrent stays"

say "e2e: all checks passed"
