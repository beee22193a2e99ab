/*
 * COpenSSL: the part of OpenSSL 3 (libcrypto) that Megatorrent's crypto layer uses.
 * Only EVP interfaces: raw Ed25519/X25519 keys, ChaCha20-Poly1305, SHA-256, SHA-512, BLAKE2s,
 * HMAC through EVP_MAC and HKDF through EVP_KDF. Swift reaches it only through MegatorrentCrypto.
 */
#ifndef MEGATORRENT_COPENSSL_SHIM_H
#define MEGATORRENT_COPENSSL_SHIM_H

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#endif
