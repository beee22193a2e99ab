#!/usr/bin/env python3
"""The secure-transport goodput benchmark's baseline: OpenSSL TLS 1.3 with only
TLS_CHACHA20_POLY1305_SHA256 over loopback, through Python's ssl module (OpenSSL's own SSL_write and
SSL_read on 1 MiB buffers, so Python adds almost nothing per byte).

Usage: tls_goodput.py MEBIBYTES. A client process sends MEBIBYTES MiB to a server process, which
answers one byte once it has them all; prints one JSON line: {"seconds": S, "cpu_seconds": C, "bytes": N,
"cipher": "...", "protocol": "TLSv1.3"} where S runs from the first byte written (after the TLS
handshake) to the answer and C is the CPU time (user and system) both processes spent on it. Python's ssl module cannot set TLS 1.3 cipher suites, so the script re-runs itself
with OPENSSL_CONF naming a configuration whose system_default section allows only ChaCha20-Poly1305;
it checks the negotiated suite and fails otherwise. The certificate is a throw-away P-256 one made
with the openssl command.
"""

import json
import multiprocessing
import os
import pathlib
import resource
import socket
import ssl
import subprocess
import sys
import tempfile
import time

SUITE = "TLS_CHACHA20_POLY1305_SHA256"
CHUNK = 1 << 20
CONF = f"""openssl_conf = default_conf
[default_conf]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
MinProtocol = TLSv1.3
Ciphersuites = {SUITE}
"""


def serve(listener, certificate, key, total):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate, key)
    connection, _ = listener.accept()
    with context.wrap_socket(connection, server_side=True) as tls:
        buffer = bytearray(CHUNK)
        received = 0
        while received < total:
            n = tls.recv_into(buffer)
            if n == 0:
                raise EOFError("client closed early")
            received += n
        tls.sendall(b"!")


def main():
    total = int(sys.argv[1]) * CHUNK
    folder = pathlib.Path(os.environ["TLS_GOODPUT_DIR"])
    certificate, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(certificate)],
        check=True, capture_output=True)
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    server = multiprocessing.get_context("fork").Process(target=serve, args=(listener, str(certificate), str(key), total))
    server.start()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    payload = bytes(CHUNK)
    with context.wrap_socket(socket.create_connection(listener.getsockname()), server_hostname="localhost") as tls:
        cipher, protocol, _ = tls.cipher()
        if cipher != SUITE or protocol != "TLSv1.3":
            raise SystemExit(f"negotiated {cipher} {protocol}, not {SUITE} TLSv1.3")
        start, own_before = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
        for _ in range(total // CHUNK):
            tls.sendall(payload)
        if tls.recv(1) != b"!":
            raise SystemExit("no answer from the server")
        seconds = time.perf_counter() - start
        own_after = resource.getrusage(resource.RUSAGE_SELF)
    server.join()
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)

    def cpu(after, before):
        return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime

    # CPU of both sides: the client's over the transfer, the server process's whole life (its TLS
    # handshake and certificate loading are a few milliseconds).
    cpu_seconds = cpu(own_after, own_before) + cpu(children_after, children_before)
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds, "bytes": total, "cipher": cipher, "protocol": protocol}))


if __name__ == "__main__":
    if "TLS_GOODPUT_DIR" not in os.environ:
        with tempfile.TemporaryDirectory() as folder:
            conf = pathlib.Path(folder) / "openssl.cnf"
            conf.write_text(CONF)
            env = dict(os.environ, OPENSSL_CONF=str(conf), TLS_GOODPUT_DIR=folder)
            sys.exit(subprocess.run([sys.executable, *sys.argv], env=env).returncode)
    main()
