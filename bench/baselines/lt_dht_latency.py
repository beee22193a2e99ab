"""The python3-libtorrent side of the dht-latency benchmark (bench/Sources/DHTLatency.swift).

    /usr/bin/python3 bench/baselines/lt_dht_latency.py SEEDHEX PUBLICHEX PORT...

Two sessions of Debian's python3-libtorrent, a putter and a getter, on 127.0.0.1 with the loopback
settings of DESIGN.md ("DHT"), join the benchmark's swarm (PORT...: its nodes) and each other. The
first line on stdout is `ports PUTTER GETTER`. Then one command per line on stdin, one JSON line
on stdout:

    nodes MIN TIMEOUT   wait until both routing tables hold MIN nodes -> {"nodes": [a, b]}
    round TIMEOUT       one publish-to-resolve: the putter puts the item of SEEDHEX (the binding
                        signs it, seq = the highest found + 1); once libtorrent reports the put
                        done, the getter looks it up until an answer carries that seq. Timed with
                        time.perf_counter from just before the put to that answer ->
                        {"seconds": s, "put_seconds": s, "seq": n, "lookups": n} or {"error": ...}
    quit                exits (so does the end of stdin)

The binding has no ed25519 call: the benchmark passes the public key of the seed, and the 64-byte
secret libtorrent wants is the SHA-512 of the seed with its first half clamped.
"""

import os
import sys
import time

import libtorrent as lt

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "interop"))
from lt_loopback import SETTINGS, libtorrent_secret, node_count, reply, wait_alerts  # noqa: E402

SALT = b""


def main():
    seed, public = bytes.fromhex(sys.argv[1]), bytes.fromhex(sys.argv[2])
    secret = libtorrent_secret(seed)

    putter, getter = lt.session(SETTINGS), lt.session(SETTINGS)
    deadline = time.monotonic() + 10
    while not (putter.is_dht_running() and getter.is_dht_running()):
        if time.monotonic() > deadline:
            sys.stderr.write("lt_dht_latency: the DHT did not start within 10 s\n")
            return 1
        time.sleep(0.01)
    for session, other in ((putter, getter), (getter, putter)):
        session.add_dht_node(("127.0.0.1", other.listen_port()))
        for port in sys.argv[3:]:
            session.add_dht_node(("127.0.0.1", int(port)))
    sys.stdout.write("ports %d %d\n" % (putter.listen_port(), getter.listen_port()))
    sys.stdout.flush()

    rounds = 0
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "quit":
            break
        if words[0] == "nodes":
            wanted, end = int(words[1]), time.monotonic() + float(words[2])
            counts = [0, 0]
            while time.monotonic() < end:
                counts = [node_count(s, end) or 0 for s in (putter, getter)]
                if min(counts) >= wanted:
                    break
                time.sleep(0.01)
            reply({"nodes": counts})
        elif words[0] == "round":
            rounds += 1
            end = time.monotonic() + float(words[1])
            value = b"round %d" % rounds
            start = time.perf_counter()
            putter.dht_put_mutable_item(secret, public, value, SALT)
            seq = wait_alerts(
                putter,
                end,
                lambda a: a.seq if isinstance(a, lt.dht_put_alert) and bytes(a.public_key) == public else None,
            )
            put_done = time.perf_counter()
            if seq is None:
                reply({"error": "put timed out"})
                continue
            lookups, found = 0, None
            while found is None and time.monotonic() < end:
                lookups += 1
                getter.dht_get_mutable_item(public, SALT)

                def accept(alert):
                    if not isinstance(alert, lt.dht_mutable_item_alert) or bytes(alert.key) != public:
                        return None
                    if alert.seq >= seq:
                        return alert.seq
                    # An older answer (or the end of an earlier lookup): an authoritative end of this
                    # one without the new seq means look again.
                    return -1 if alert.authoritative else None

                result = wait_alerts(getter, end, accept)
                if result is not None and result >= seq:
                    found = result
            stop = time.perf_counter()
            if found is None:
                reply({"error": "the getter did not see seq %d in time" % seq})
            else:
                reply({"seconds": stop - start, "put_seconds": put_done - start, "seq": found, "lookups": lookups})
        else:
            reply({"error": "unknown command %r" % words[0]})
    return 0


if __name__ == "__main__":
    sys.exit(main())
