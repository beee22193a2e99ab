"""Interoperability of signed manifests with an independent implementation: PyPI pynacl (libsodium's
Ed25519) and rfc8785 (RFC 8785 canonical JSON). Run by scripts/test.sh with pytest; MEGATORRENT_BIN
names the CLI binary (default .build/debug/megatorrent)."""

import json
import os
import pathlib
import subprocess

import nacl.exceptions
import nacl.signing
import pytest
import rfc8785

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("MEGATORRENT_BIN", str(ROOT / ".build" / "debug" / "megatorrent"))

MAGNET = "magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&dn=Caf%C3%A9"


def run(tmp_path, *args, stdin=None):
    env = dict(os.environ, MEGATORRENT_HOME=str(tmp_path / "state"))
    return subprocess.run([BIN, *args], input=stdin, capture_output=True, text=True, env=env, timeout=60)


def python_signed_manifest(signing_key, sequence, extra=None):
    manifest = {
        "publicKey": signing_key.verify_key.encode().hex(),
        "sequence": sequence,
        "timestamp": 1763769600123,
        "collections": [
            {"title": "Séries \u20ac \U0001F600", "items": [MAGNET]},
            {"title": "", "items": []},
        ],
    }
    manifest.update(extra or {})
    canonical = rfc8785.dumps(manifest)
    manifest["signature"] = signing_key.sign(canonical).signature.hex()
    return manifest


def test_python_signed_manifest_verifies_with_ours(tmp_path):
    key = nacl.signing.SigningKey.generate()
    # Unknown fields with hard cases for canonical form: UTF-16 key order (U+10000 sorts before
    # U+E000 in UTF-16), number forms, escapes.
    extra = {
        "\ue000": 1,
        "\U00010000": 2,
        "numbers": [1e21, 1e-7, 0.1, 123456789.125, -5e-324, 9007199254740991],
        "escapes": "tab\t quote\" backslash\\ nul\u0000 line\u2028 slash/",
    }
    manifest = python_signed_manifest(key, 3, extra)
    # Written with Python's own (non-canonical) formatting and key order.
    path = tmp_path / "python.json"
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=True))
    result = run(tmp_path, "manifest", "verify", "--json", str(path))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["valid"] is True and report["sequence"] == 3 and report["items"] == 1

    tampered = dict(manifest, sequence=4)
    path.write_text(json.dumps(tampered))
    result = run(tmp_path, "manifest", "verify", str(path))
    assert result.returncode != 0
    assert "signature does not verify" in result.stderr


def test_our_manifest_verifies_with_pynacl_and_rfc8785(tmp_path):
    key_path = tmp_path / "author.key"
    keygen = run(tmp_path, "keygen", "--out", str(key_path))
    assert keygen.returncode == 0, keygen.stderr
    channel = keygen.stdout.strip().splitlines()[-1]

    # The key file is the 32-byte seed: libsodium derives the same public key from it.
    seed = key_path.read_bytes()
    assert len(seed) == 32
    assert nacl.signing.SigningKey(seed).verify_key.encode().hex() == channel

    unsigned = {"collections": [{"title": "Ünïcode \U0001F600", "items": [MAGNET]}], "note": {"b": 1, "a": [0.5, 1e30]}}
    signed = run(tmp_path, "manifest", "sign", "--key", str(key_path), "--sequence", "9", "-", stdin=json.dumps(unsigned))
    assert signed.returncode == 0, signed.stderr
    manifest = json.loads(signed.stdout)
    assert manifest["publicKey"] == channel and manifest["sequence"] == 9

    # Our output is itself RFC 8785 canonical.
    assert signed.stdout.strip().encode() == rfc8785.dumps(manifest)

    signature = bytes.fromhex(manifest.pop("signature"))
    verify_key = nacl.signing.VerifyKey(bytes.fromhex(channel))
    verify_key.verify(rfc8785.dumps(manifest), signature)
    manifest["sequence"] = 10
    with pytest.raises(nacl.exceptions.BadSignatureError):
        verify_key.verify(rfc8785.dumps(manifest), signature)


def test_duplicate_keys_and_lone_surrogates_refused(tmp_path):
    key = nacl.signing.SigningKey.generate()
    good = json.dumps(python_signed_manifest(key, 1))
    duplicate = good.replace('"sequence": 1', '"sequence": 1, "sequence": 1')
    lone = good.replace('"title": ""', '"title": "\\ud800"')
    for name, text in (("dup.json", duplicate), ("lone.json", lone)):
        path = tmp_path / name
        path.write_text(text)
        result = run(tmp_path, "manifest", "verify", str(path))
        assert result.returncode != 0 and "malformed JSON" in result.stderr, (name, result.stderr)
