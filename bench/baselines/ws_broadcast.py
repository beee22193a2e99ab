#!/usr/bin/env python3
"""The fan-out benchmark's baseline: a minimal broadcast server on PyPI `websockets` (asyncio).

It speaks just enough of docs/tracker.md for the benchmark's client harness:

  {"action":"subscribe","key":K}  ->  {"action":"subscribe","key":K,"status":"subscribed"}
                                      (then the held manifest, if any)
  {"action":"publish","manifest":M}  ->  {"action":"publish","key":K,"sequence":N,"status":"stored"}
                                         and {"action":"manifest","key":K,"manifest":M} to every
                                         subscriber of K, encoded once (websockets.broadcast)

where K is the manifest's `publicKey`. It does NOT verify signatures, store anything on disk or
enforce any limit but "sequence above the held one": it is a lower bound on what a server must do,
which makes it a generous baseline. Messages are written with sorted keys and no spaces, which for
the benchmark's ASCII, integer-only manifests is the RFC 8785 form the tracker sends too.

Usage: ws_broadcast.py [HOST]. Prints `listening on HOST:PORT` once it accepts connections, and
stops when its standard input ends (so it never outlives the benchmark) or on SIGTERM/SIGINT.
"""

import asyncio
import json
import signal
import sys
import threading

import websockets
from websockets.asyncio.server import serve


def dump(value):
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


subscribers = {}  # key -> set of connections
held = {}  # key -> (sequence, encoded manifest message)


def failure(action, reason, code):
    return dump({"action": action, "failure reason": reason, "code": code})


def is_key(key):
    return isinstance(key, str) and len(key) == 64 and all(c in "0123456789abcdef" for c in key)


async def handler(connection):
    mine = set()
    try:
        async for text in connection:
            try:
                message = json.loads(text)
                action = message["action"]
            except Exception:
                await connection.send(failure(None, "malformed message", 100))
                continue
            if action == "subscribe":
                key = message.get("key")
                if not is_key(key):
                    await connection.send(failure(action, "malformed message", 100))
                    continue
                mine.add(key)
                subscribers.setdefault(key, set()).add(connection)
                await connection.send(dump({"action": "subscribe", "key": key, "status": "subscribed"}))
                if key in held:
                    await connection.send(held[key][1])
            elif action == "publish":
                manifest = message.get("manifest")
                if not isinstance(manifest, dict) or not is_key(manifest.get("publicKey")):
                    await connection.send(failure(action, "malformed manifest", 3))
                    continue
                key, sequence = manifest["publicKey"], manifest.get("sequence")
                if not isinstance(sequence, int) or (key in held and held[key][0] >= sequence):
                    await connection.send(failure(action, "sequence not above the held one", 17))
                    continue
                encoded = dump({"action": "manifest", "key": key, "manifest": manifest})
                held[key] = (sequence, encoded)
                await connection.send(dump({"action": "publish", "key": key, "sequence": sequence, "status": "stored"}))
                websockets.broadcast(subscribers.get(key, ()), encoded)
            elif action == "unsubscribe":
                key = message.get("key")
                mine.discard(key)
                subscribers.get(key, set()).discard(connection)
                await connection.send(dump({"action": "unsubscribe", "key": key, "status": "unsubscribed"}))
            else:
                await connection.send(failure(action, "unknown action", 100))
    except websockets.ConnectionClosed:
        pass
    finally:
        for key in mine:
            group = subscribers.get(key)
            if group is not None:
                group.discard(connection)
                if not group:
                    del subscribers[key]


async def main():
    host = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
    loop = asyncio.get_running_loop()
    stop = loop.create_future()

    def finish():
        if not stop.done():
            stop.set_result(None)

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, finish)

    # Like the tracker: no server pings (clients ping), no compression, a 1 MiB + 16 KiB message limit.
    async with serve(
        handler, host, 0, ping_interval=None, compression=None, max_size=(1 << 20) + (16 << 10), backlog=1024
    ) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"listening on {host}:{port}", flush=True)
        # A daemon thread, so that a stop by signal does not wait for the blocked read.
        threading.Thread(target=lambda: (sys.stdin.buffer.read(), loop.call_soon_threadsafe(finish)), daemon=True).start()
        await stop
    # Leaving the block closed every connection (close code 1001) and the listener.


if __name__ == "__main__":
    asyncio.run(main())
