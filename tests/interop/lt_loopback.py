"""What the python3-libtorrent peers share (tests/interop/lt_dht_peer.py and the dht-latency baseline,
bench/baselines/lt_dht_latency.py): the loopback session settings of DESIGN.md ("DHT"), one JSON
reply per line, waiting for alerts, counting routing-table nodes, and libtorrent's expanded secret.
Run with Debian's /usr/bin/python3 (its python3-libtorrent).
"""

import hashlib
import json
import sys
import time

import libtorrent as lt

SETTINGS = {
    # An explicit IP: 0.0.0.0 or an `l` suffix would keep the DHT off.
    "listen_interfaces": "127.0.0.1:0",
    "enable_dht": True,
    "dht_bootstrap_nodes": "",
    "dht_restrict_routing_ips": False,
    "dht_restrict_search_ips": False,
    "dht_prefer_verified_node_ids": False,
    "dht_block_ratelimit": 100000,
    "dht_upload_rate_limit": 10000000,
    "enable_lsd": False,
    "enable_upnp": False,
    "enable_natpmp": False,
    "alert_mask": lt.alert.category_t.dht_notification
    | lt.alert.category_t.dht_operation_notification
    | lt.alert.category_t.stats_notification
    | lt.alert.category_t.error_notification,
}


def reply(obj):
    """One JSON object, one line, flushed."""
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def wait_alerts(session, deadline, accept):
    """Pops alerts until `accept(alert)` returns something other than None, or the deadline."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        session.wait_for_alert(max(1, int(left * 1000)))
        for alert in session.pop_alerts():
            result = accept(alert)
            if result is not None:
                return result


def node_count(session, deadline):
    """The nodes in the session's routing table, or None by the deadline."""
    session.post_dht_stats()

    def accept(alert):
        if isinstance(alert, lt.dht_stats_alert):
            return sum(bucket["num_nodes"] for bucket in alert.routing_table)
        return None

    return wait_alerts(session, deadline, accept)


def libtorrent_secret(seed):
    """libtorrent's 64-byte secret key of a 32-byte seed: SHA-512 of the seed, first half clamped."""
    digest = bytearray(hashlib.sha512(seed).digest())
    digest[0] &= 248
    digest[31] &= 63
    digest[31] |= 64
    return bytes(digest)
