#!/usr/bin/env bash
# The main job: a local demo of the flow that exists so far, in a fresh state folder.
# An author makes a channel key, signs a manifest of magnet links, a subscriber verifies it and
# records its sequence; a second version is accepted, then a replay, a rollback and a forgery are
# refused (also by a later process: the last sequence lives in SQLite in the state folder).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build --product megatorrent >&2
mt="$PWD/.build/debug/megatorrent"
work="$(mktemp -d "${TMPDIR:-/tmp}/megatorrent-demo.XXXXXX")"
trap 'rm -rf "$work"' EXIT
author_state="$work/author" subscriber_state="$work/subscriber"

say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
expect_refusal() {
  if out="$("$@" 2>&1)"; then echo "UNEXPECTED: accepted" >&2; exit 1; fi
  echo "refused as expected -> $out"
}

say "0. The parts: libtorrent, OpenSSL, state folders"
"$mt" info --state-dir "$author_state"

say "1. The author makes a channel key (its public key is the channel's address)"
"$mt" keygen --out "$work/author.key" --state-dir "$author_state" | tee "$work/keygen.txt"
channel="$(tail -n 1 "$work/keygen.txt")"
echo "subscribe with: magnet:?xs=urn:btpk:$channel"

say "2. The author signs version 1 of the manifest (sequence chosen from the state folder)"
cat >"$work/v1.json" <<'JSON'
{"collections":[{"title":"Public domain films","items":[
  "magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&dn=Night%20of%20the%20Living%20Dead",
  "magnet:?xt=urn:btih:08ada5a7a6183aae1e09d831df6748d566095a10&dn=Sintel"]}]}
JSON
"$mt" manifest sign --key "$work/author.key" --state-dir "$author_state" "$work/v1.json" | tee "$work/m1.json"

say "3. A subscriber verifies it and records its sequence"
"$mt" manifest verify --record --key "$channel" --state-dir "$subscriber_state" "$work/m1.json"

say "4. Version 2 adds an item; the subscriber accepts the higher sequence"
sed 's/"]}]}/","magnet:?xt=urn:btih:dd8255ecdc7ca55fb0bbf81323d87062db1f6d1c\&dn=Big%20Buck%20Bunny"]}]}/' "$work/v1.json" >"$work/v2.json"
"$mt" manifest sign --key "$work/author.key" --state-dir "$author_state" "$work/v2.json" >"$work/m2.json"
"$mt" manifest verify --record --key "$channel" --state-dir "$subscriber_state" "$work/m2.json"

say "5. A replay of version 2 and a rollback to version 1 are refused (a new process: state is on disk)"
expect_refusal "$mt" manifest verify --record --state-dir "$subscriber_state" "$work/m2.json"
expect_refusal "$mt" manifest verify --record --state-dir "$subscriber_state" "$work/m1.json"

say "6. A forged manifest (one byte changed) is refused"
sed 's/Sintel/Sintal/' "$work/m2.json" >"$work/forged.json"
expect_refusal "$mt" manifest verify --state-dir "$subscriber_state" "$work/forged.json"

say "Done: the channel $channel has version 2 at its subscriber."
