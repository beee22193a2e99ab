#!/usr/bin/env python3
"""An independent peer of Megatorrent's secure transport (docs/transport.md), written with PyPI
noiseprotocol: Noise_IK_25519_ChaChaPoly_BLAKE2s, prologue "megatorrent/noise/2", 2-byte big-endian
framing, a TAI64N timestamp in message 1, 16,384-byte cells (type | length | data | zero padding).

  noise_peer.py responder --key PRIVHEX                      listens on 127.0.0.1 (any port)
  noise_peer.py initiator --key PRIVHEX --remote PUBHEX --port N

Prints "listening on 127.0.0.1:PORT" (responder), then "peer PUBHEX" once the handshake is done.
Then it sends "hello from python", answers every message M with b"echo:" + M, sends a rekey cell
after the third message, and on the other side's close cell answers with its own close cell and
exits 0. Any protocol error exits 1 with one line on stderr.
"""

import argparse
import socket
import struct
import sys
import time

from noise.connection import Keypair, NoiseConnection

PROTOCOL = b"Noise_IK_25519_ChaChaPoly_BLAKE2s"
PROLOGUE = b"megatorrent/noise/2"
CELL = 16384
RECORD = CELL + 16
MESSAGE_END, MESSAGE_MORE, REKEY, CLOSE = 1, 2, 3, 4
TAI64_BASE = 0x400000000000000A


def recv_exact(sock, n):
    data = bytearray()
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError("connection closed")
        data += chunk
    return bytes(data)


def recv_frame(sock):
    (length,) = struct.unpack(">H", recv_exact(sock, 2))
    if length == 0:
        raise ValueError("empty frame")
    return recv_exact(sock, length)


def send_frame(sock, body):
    sock.sendall(struct.pack(">H", len(body)) + body)


def tai64n_now():
    now = time.time_ns()
    return struct.pack(">QI", TAI64_BASE + now // 1_000_000_000, now % 1_000_000_000)


class Records:
    """The cell layer over a finished NoiseConnection."""

    def __init__(self, sock, noise):
        self.sock, self.noise, self.pending = sock, noise, b""

    def send_cell(self, kind, data=b""):
        assert len(data) <= CELL - 3
        cell = bytes([kind]) + struct.pack(">H", len(data)) + data
        send_frame(self.sock, self.noise.encrypt(cell + bytes(CELL - len(cell))))
        if kind == REKEY:
            self.noise.rekey_outbound_cipher()

    def send_message(self, message):
        chunks = [message[i:i + CELL - 3] for i in range(0, len(message), CELL - 3)] or [b""]
        for index, chunk in enumerate(chunks):
            self.send_cell(MESSAGE_END if index == len(chunks) - 1 else MESSAGE_MORE, chunk)

    def receive(self):
        """The next message as bytes, or None at the peer's close cell."""
        while True:
            record = recv_frame(self.sock)
            if len(record) != RECORD:
                raise ValueError(f"record of {len(record)} bytes")
            cell = self.noise.decrypt(record)
            kind, length = cell[0], struct.unpack(">H", cell[1:3])[0]
            if length > CELL - 3 or any(cell[3 + length:]):
                raise ValueError("bad cell length or padding")
            data = cell[3:3 + length]
            if kind == MESSAGE_MORE:
                if length != CELL - 3:
                    raise ValueError("continued cell not full")
                self.pending += data
            elif kind == MESSAGE_END:
                message, self.pending = self.pending + data, b""
                return message
            elif kind == REKEY:
                self.noise.rekey_inbound_cipher()
            elif kind == CLOSE:
                return None
            else:
                raise ValueError(f"unknown cell type {kind}")


def connection(role, key):
    noise = NoiseConnection.from_name(PROTOCOL)
    noise.set_prologue(PROLOGUE)
    noise.set_keypair_from_private_bytes(Keypair.STATIC, key)
    return noise


def run_initiator(args):
    noise = connection("initiator", bytes.fromhex(args.key))
    noise.set_as_initiator()
    noise.set_keypair_from_public_bytes(Keypair.REMOTE_STATIC, bytes.fromhex(args.remote))
    noise.start_handshake()
    sock = socket.create_connection(("127.0.0.1", args.port))
    send_frame(sock, noise.write_message(tai64n_now()))
    payload = noise.read_message(recv_frame(sock))
    if payload:
        raise ValueError("response payload must be empty")
    print("peer", args.remote, flush=True)
    return sock, noise


def run_responder(args):
    noise = connection("responder", bytes.fromhex(args.key))
    noise.set_as_responder()
    noise.start_handshake()
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    print(f"listening on 127.0.0.1:{server.getsockname()[1]}", flush=True)
    sock, _ = server.accept()
    payload = noise.read_message(recv_frame(sock))
    if len(payload) != 12:
        raise ValueError("initiation payload must be a 12-byte TAI64N timestamp")
    remote = noise.noise_protocol.handshake_state.rs.public_bytes.hex()
    send_frame(sock, noise.write_message(b""))
    print("peer", remote, flush=True)
    return sock, noise


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=["initiator", "responder"])
    parser.add_argument("--key", required=True)
    parser.add_argument("--remote")
    parser.add_argument("--port", type=int)
    args = parser.parse_args()
    try:
        sock, noise = run_initiator(args) if args.role == "initiator" else run_responder(args)
        if not noise.handshake_finished:
            raise ValueError("handshake not finished")
        records = Records(sock, noise)
        records.send_message(b"hello from python")
        count = 0
        while True:
            message = records.receive()
            if message is None:
                records.send_cell(CLOSE)
                sock.close()
                return 0
            records.send_message(b"echo:" + message)
            count += 1
            if count == 3:
                records.send_cell(REKEY)
    except Exception as error:  # one line, then a failing status
        print(f"noise_peer: {type(error).__name__}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
