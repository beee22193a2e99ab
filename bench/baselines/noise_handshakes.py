#!/usr/bin/env python3
"""The handshake benchmark's baseline: complete Noise_IK_25519_ChaChaPoly_BLAKE2s handshakes with
PyPI noiseprotocol, both sides in this process, exactly as Megatorrent's profile runs them:
prologue "megatorrent/noise/2", a 12-byte TAI64N timestamp in message 1, an empty message 2, and
both sides' transport ciphers ready. Static keys are raw bytes made once (noiseprotocol imports
them per connection: that is its API); ephemeral keys are fresh each time.

Usage: noise_handshakes.py ROUNDS ITERATIONS. Prints {"seconds_per_handshake": S}: the median over
ROUNDS rounds of ITERATIONS handshakes each.
"""

import json
import struct
import sys
import time

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import x25519
from noise.connection import Keypair, NoiseConnection

NAME = b"Noise_IK_25519_ChaChaPoly_BLAKE2s"
PROLOGUE = b"megatorrent/noise/2"


def raw_private(key):
    return key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())


def raw_public(key):
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def main():
    rounds, iterations = int(sys.argv[1]), int(sys.argv[2])
    initiator_key, responder_key = x25519.X25519PrivateKey.generate(), x25519.X25519PrivateKey.generate()
    initiator_private, responder_private = raw_private(initiator_key), raw_private(responder_key)
    responder_public = raw_public(responder_key)
    stamp = [1_800_000_000]

    def handshake():
        initiator, responder = NoiseConnection.from_name(NAME), NoiseConnection.from_name(NAME)
        initiator.set_as_initiator()
        responder.set_as_responder()
        for side in (initiator, responder):
            side.set_prologue(PROLOGUE)
        initiator.set_keypair_from_private_bytes(Keypair.STATIC, initiator_private)
        initiator.set_keypair_from_public_bytes(Keypair.REMOTE_STATIC, responder_public)
        responder.set_keypair_from_private_bytes(Keypair.STATIC, responder_private)
        initiator.start_handshake()
        responder.start_handshake()
        stamp[0] += 1
        payload = responder.read_message(initiator.write_message(struct.pack(">QI", 0x400000000000000A + stamp[0], 0)))
        assert len(payload) == 12
        assert initiator.read_message(responder.write_message(b"")) == b""
        assert initiator.handshake_finished and responder.handshake_finished

    handshake()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(iterations):
            handshake()
        samples.append((time.perf_counter() - start) / iterations)
    print(json.dumps({"seconds_per_handshake": sorted(samples)[len(samples) // 2]}))


if __name__ == "__main__":
    main()
