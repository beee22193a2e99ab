#!/usr/bin/env bash
# safe-mode-capture.sh [--control] MEGATORRENT WORKDIR: the safe-mode leak proof (docs/anonymity.md).
#
# A fresh network namespace holds only loopback and one veth to the host. On the host side run a
# dante-server SOCKS5 proxy (listening on the veth address, connecting only to 127.0.0.0/8), the
# tracker (`megatorrent serve`) and a seeder (`megatorrent seed`). The client, in the namespace,
# publishes a manifest holding the seeded magnet and downloads it with `subscribe --once --download`,
# everything through --proxy in safe mode. The magnet also names a udp:// tracker on the host, which
# safe mode must drop. tcpdump records every packet on the namespace's
# interfaces. The namespace has a default route and a resolv.conf pointing at the host, so a UDP
# datagram or a DNS query, if the client sent one, would leave through the veth and be counted.
#
# --control runs the client with --no-safe-mode --dht instead (the public DHT routers are looked up
# and contacted): it must show UDP, which proves the counts can fail.
#
# Prints key=value lines: udp, dns, tcp_to_proxy, tcp_elsewhere, loopback (packets on the namespace's
# lo), downloaded (yes/no), publish_status, subscribe_status. Needs root, iproute2, tcpdump, danted.
# Everything it started is stopped by PID and the namespace removed, also on failure.
set -euo pipefail

mode=safe
if [ "${1:-}" = --control ]; then
    mode=control
    shift
fi
[ $# -eq 2 ] || { echo "usage: $0 [--control] MEGATORRENT WORKDIR" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "$0: needs root (network namespaces, tcpdump)" >&2; exit 2; }
bin=$(readlink -f "$1")
mkdir -p "$2"
work=$(readlink -f "$2")

tag=$$
net=$((tag % 250 + 1))
ns=mtsafe$tag
host_if=mth$tag
client_if=mtc$tag
host_ip=10.231.$net.1
client_ip=10.231.$net.2
proxy_port=1080
pids=()

cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    ip netns pids "$ns" 2>/dev/null | while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
    ip link del "$host_if" 2>/dev/null || true
    rm -rf "/etc/netns/$ns"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the namespace: lo, a veth, a default route and a resolver on the host side
ip netns add "$ns"
ip link add "$host_if" type veth peer name "$client_if"
ip link set "$client_if" netns "$ns"
ip addr add "$host_ip/30" dev "$host_if"
ip link set "$host_if" up
ip netns exec "$ns" ip link set lo up
ip netns exec "$ns" ip addr add "$client_ip/30" dev "$client_if"
ip netns exec "$ns" ip link set "$client_if" up
ip netns exec "$ns" ip route add default via "$host_ip"
mkdir -p "/etc/netns/$ns"
echo "nameserver $host_ip" >"/etc/netns/$ns/resolv.conf"

# --- host side: dante, tracker, seeder
cat >"$work/danted.conf" <<EOF
logoutput: $work/danted.log
internal: $host_ip port = $proxy_port
external: 127.0.0.1
clientmethod: none
socksmethod: none
user.privileged: root
user.unprivileged: nobody
client pass { from: $client_ip/32 to: 0.0.0.0/0 }
socks pass  { from: $client_ip/32 to: 127.0.0.0/8 command: connect }
socks block { from: 0.0.0.0/0 to: 0.0.0.0/0 log: connect error }
EOF
danted -f "$work/danted.conf" -p "$work/danted.pid" &
pids+=($!)

# Reads the first line of FILE that matches PATTERN, waiting up to 30 s.
first_line() {
    local file=$1 pattern=$2 i
    for i in $(seq 300); do
        if grep -m1 -E "$pattern" "$file" 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "$0: timed out waiting for '$pattern' in $file" >&2
    return 1
}

MEGATORRENT_HOME=$work/tracker-home "$bin" serve --listen 127.0.0.1:0 --db "$work/tracker.sqlite" >"$work/serve.out" 2>"$work/serve.err" &
pids+=($!)
tracker_port=$(first_line "$work/serve.out" '^listening on' | awk '{print $3}' | cut -d: -f2)

mkdir -p "$work/share"
head -c 1000000 /dev/urandom >"$work/share/sample.bin"
MEGATORRENT_HOME=$work/seeder-home "$bin" seed "$work/share/sample.bin" --torrent-listen 127.0.0.1:0 \
    --announce "http://127.0.0.1:$tracker_port/announce" >"$work/seed.out" 2>"$work/seed.err" &
pids+=($!)
# The published magnet names a udp:// tracker on the host first (first tier: libtorrent would try it
# first); safe mode must drop it.
magnet=$(first_line "$work/seed.out" '^magnet:' | sed "s|&tr=|\&tr=udp%3A%2F%2F$host_ip%3A6969%2Fannounce\&tr=|")

for i in $(seq 100); do
    ss -ltn "sport = :$proxy_port" | grep -q "$host_ip" && break
    sleep 0.1
done

# --- capture: one file per interface of the namespace
for interface in lo "$client_if"; do
    ip netns exec "$ns" tcpdump -n -U -Z root -i "$interface" -w "$work/$interface.pcap" 2>"$work/tcpdump-$interface.err" &
    pids+=($!)
    first_line "$work/tcpdump-$interface.err" 'listening on' >/dev/null
done

# --- the client, in the namespace
client() { ip netns exec "$ns" env MEGATORRENT_HOME="$work/client-home" "$bin" "$@"; }
proxy="socks5://$host_ip:$proxy_port"
if [ "$mode" = safe ]; then
    extra=(--safe-mode)
else
    extra=(--no-safe-mode)
fi
tracker="ws://127.0.0.1:$tracker_port/"
channel=$(client keygen --out "$work/channel.key" | tail -n1)
set +e
printf '{"collections":[{"title":"Files","items":["%s"]}]}' "$magnet" |
    client publish --proxy "$proxy" "${extra[@]}" --tracker "$tracker" --key "$work/channel.key" - >"$work/publish.out" 2>"$work/publish.err"
publish_status=$?
subscribe=(subscribe "$channel" --proxy "$proxy" "${extra[@]}" --tracker "$tracker" --once --timeout 60
    --download "$work/downloads" --torrent-listen 127.0.0.1:0)
if [ "$mode" = control ]; then
    subscribe+=(--dht --dht-listen "$client_ip:0" --dht-interval 5)
fi
client "${subscribe[@]}" >"$work/subscribe.out" 2>"$work/subscribe.err"
subscribe_status=$?
set -e
downloaded=no
cmp -s "$work/share/sample.bin" "$work/downloads/sample.bin" && downloaded=yes

# --- stop the capture (tcpdump writes out what it holds on SIGTERM) and count
sleep 1
cleanup
trap - EXIT
count() { tcpdump -n -r "$1" "$2" 2>/dev/null | wc -l; }
veth=$work/$client_if.pcap
echo "udp=$(count "$veth" 'udp')"
echo "dns=$(count "$veth" 'port 53 or port 5353 or port 5355')"
echo "tcp_to_proxy=$(count "$veth" "tcp and dst host $host_ip and dst port $proxy_port")"
echo "tcp_elsewhere=$(count "$veth" "tcp and not (host $host_ip and port $proxy_port)")"
echo "loopback=$(count "$work/lo.pcap" '')"
echo "downloaded=$downloaded"
echo "publish_status=$publish_status"
echo "subscribe_status=$subscribe_status"
