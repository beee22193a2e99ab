"""An independent BEP 44 DHT peer: Debian's python3-libtorrent (run with /usr/bin/python3) on
127.0.0.1 with the loopback settings of DESIGN.md ("DHT"), driven line by line over stdin/stdout
by PythonLibtorrentInteropTests (Tests/MegatorrentDHTTests).

    /usr/bin/python3 tests/interop/lt_dht_peer.py [PORT ...]

PORT...: DHT nodes on 127.0.0.1 to add (add_dht_node). The first line on stdout is `port N`, this
node's own DHT port. Then one command per line on stdin, one JSON object per line on stdout:

    nodes MIN TIMEOUT            wait until the routing table holds MIN nodes -> {"nodes": n}
    add PORT                     add_dht_node 127.0.0.1:PORT -> {"ok": true}
    put SEEDHEX SALTHEX VALUEHEX TIMEOUT
        put the string VALUEHEX (raw bytes; the binding bencodes it as a byte string) under the
        key of the 32-byte seed, salt SALTHEX ("-" for none); the binding signs it (libtorrent's
        own ed25519) with seq = the highest found + 1 ->
        {"put": true, "public_key", "seq", "num_success", "signature", "salt"} or {"error": ...}
    get KEYHEX SALTHEX MINSEQ TIMEOUT
        look the item up until an answer with seq >= MINSEQ (or the authoritative end) ->
        {"found": true, "seq", "value", "value_text", "signature", "public_key", "salt",
         "authoritative", "signature_valid"}. libtorrent has verified the signature (it drops items
        whose signature fails). The binding hands over a value only when it is a byte string: then
        "value" is the bencoded value (hex) and "signature_valid" is checked again here in pure
        Python (RFC 8032); for other values (a dictionary, such as a BEP 46 pointer) both are null
        and "value_text" is the value as libtorrent prints it in the alert's message.
        or {"found": false, "authoritative": true} (nothing found) or {"timeout": true, "seen": [seq...]}
    quit                         -> exits (so does the end of stdin)

libtorrent's 64-byte secret key is its expanded form: SHA-512 of the seed with the first half
clamped. The binding has no ed25519 call to derive the public key from it, so this script derives
it (and verifies signatures) with the RFC 8032 reference arithmetic below: nothing of ours, nor of
OpenSSL, is involved on this side.
"""

import hashlib
import sys
import time

import libtorrent as lt
from lt_loopback import SETTINGS, libtorrent_secret, node_count, reply, wait_alerts

# --- Ed25519 (RFC 8032, section 6 reference arithmetic) ---------------------------------------

P = 2**255 - 19
D = -121665 * pow(121666, P - 2, P) % P
L = 2**252 + 27742317777372353535851937790883648493
SQRT_M1 = pow(2, (P - 1) // 4, P)


def _add(a, b):
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    aa = (y1 - x1) * (y2 - x2) % P
    bb = (y1 + x1) * (y2 + x2) % P
    cc = 2 * t1 * t2 * D % P
    dd = 2 * z1 * z2 % P
    e, f, g, h = bb - aa, dd - cc, dd + cc, bb + aa
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _mul(s, point):
    result = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            result = _add(result, point)
        point = _add(point, point)
        s >>= 1
    return result


def _recover_x(y, sign):
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P != 0:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P != 0:
        return None
    if (x & 1) != sign:
        x = P - x
    return x


_GY = 4 * pow(5, P - 2, P) % P
_GX = _recover_x(_GY, 0)
G = (_GX, _GY, 1, _GX * _GY % P)


def _compress(point):
    zinv = pow(point[2], P - 2, P)
    x, y = point[0] * zinv % P, point[1] * zinv % P
    return int.to_bytes(y | ((x & 1) << 255), 32, "little")


def _decompress(data):
    if len(data) != 32:
        return None
    y = int.from_bytes(data, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _recover_x(y, sign)
    return None if x is None else (x, y, 1, x * y % P)


def _equal(a, b):
    return (a[0] * b[2] - b[0] * a[2]) % P == 0 and (a[1] * b[2] - b[1] * a[2]) % P == 0


def libtorrent_keypair(seed):
    """(libtorrent's 64-byte secret key, the 32-byte public key) of a 32-byte seed."""
    secret = libtorrent_secret(seed)
    return secret, _compress(_mul(int.from_bytes(secret[:32], "little"), G))


def ed25519_verify(public_key, message, signature):
    if len(signature) != 64:
        return False
    a = _decompress(public_key)
    r = _decompress(signature[:32])
    s = int.from_bytes(signature[32:], "little")
    if a is None or r is None or s >= L:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public_key + message).digest(), "little") % L
    return _equal(_mul(s, G), _add(r, _mul(h, a)))


def bep44_payload(salt, seq, value):
    """The bytes BEP 44 signs."""
    prefix = b"4:salt%d:" % len(salt) + salt if salt else b""
    return prefix + b"3:seqi%de1:v" % seq + value


# --- The session ------------------------------------------------------------------------------


def text(data):
    """The binding hands salts back as str: back to bytes."""
    return data.encode("latin-1") if isinstance(data, str) else bytes(data)


def put(session, seed, salt, value, timeout):
    secret, public = libtorrent_keypair(seed)
    session.dht_put_mutable_item(secret, public, value, salt)

    def accept(alert):
        if isinstance(alert, lt.dht_put_alert) and bytes(alert.public_key) == public and text(alert.salt) == salt:
            return {
                "put": True,
                "public_key": public.hex(),
                "seq": alert.seq,
                "num_success": alert.num_success,
                "signature": bytes(alert.signature).hex(),
                "salt": salt.hex(),
            }
        return None

    return wait_alerts(session, time.monotonic() + timeout, accept) or {"timeout": True}


def get(session, public, salt, min_seq, timeout):
    seen = []
    session.dht_get_mutable_item(public, salt)

    def accept(alert):
        if not isinstance(alert, lt.dht_mutable_item_alert):
            return None
        if bytes(alert.key) != public or text(alert.salt) != salt:
            return None
        # The binding converts an item's value only when it is a byte string ("invalid type requested from
        # entry" otherwise, and for the empty item of "nothing found"); other values show only in the alert's
        # message, as libtorrent's entry::to_string prints them (byte strings quoted, as hex when not printable).
        try:
            value = alert.item["value"]
        except RuntimeError:
            value = None
        message = alert.message()
        printed = message[message.find("[ ") + 2 : message.rfind(" ]")] if "[ " in message else ""
        empty = value in (None, b"") and printed in ("", "<uninitialized>")
        if not empty and alert.seq >= min_seq:
            signature = bytes(alert.signature)
            answer = {
                "found": True,
                "seq": alert.seq,
                "value": None,
                "value_text": printed,
                "signature": signature.hex(),
                "public_key": bytes(alert.key).hex(),
                "salt": salt.hex(),
                "authoritative": alert.authoritative,
                "signature_valid": None,
            }
            if value is not None:
                encoded = lt.bencode(value)
                answer["value"] = bytes(encoded).hex()
                answer["signature_valid"] = ed25519_verify(public, bep44_payload(salt, alert.seq, encoded), signature)
            return answer
        if alert.authoritative and empty:
            return {"found": False, "authoritative": True}
        # An answer with a lower seq (or a late end of an earlier lookup of the same item, alerts
        # carry no request id): keep listening.
        seen.append(alert.seq)
        return None

    return wait_alerts(session, time.monotonic() + timeout, accept) or {"timeout": True, "seen": seen}


def main():
    session = lt.session(SETTINGS)
    deadline = time.monotonic() + 10
    while not session.is_dht_running():
        if time.monotonic() > deadline:
            sys.stderr.write("lt_dht_peer: the DHT did not start within 10 s\n")
            return 1
        time.sleep(0.01)
    for port in sys.argv[1:]:
        session.add_dht_node(("127.0.0.1", int(port)))
    reply_line = "port %d\n" % session.listen_port()
    sys.stdout.write(reply_line)
    sys.stdout.flush()

    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        command, args = words[0], words[1:]
        hexarg = lambda s: b"" if s == "-" else bytes.fromhex(s)
        try:
            if command == "quit":
                break
            elif command == "add":
                session.add_dht_node(("127.0.0.1", int(args[0])))
                reply({"ok": True})
            elif command == "nodes":
                wanted, timeout = int(args[0]), float(args[1])
                end = time.monotonic() + timeout
                count = 0
                while time.monotonic() < end:
                    count = node_count(session, end) or 0
                    if count >= wanted:
                        break
                    time.sleep(0.01)
                reply({"nodes": count})
            elif command == "put":
                reply(put(session, hexarg(args[0]), hexarg(args[1]), hexarg(args[2]), float(args[3])))
            elif command == "get":
                reply(get(session, hexarg(args[0]), hexarg(args[1]), int(args[2]), float(args[3])))
            else:
                reply({"error": "unknown command %r" % command})
        except Exception as error:  # a bad line answers with an error, it does not kill the peer
            reply({"error": "%s: %s" % (type(error).__name__, error)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
