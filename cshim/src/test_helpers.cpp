// test_helpers.cpp: FOR TESTS ONLY (see the header's last section). Signs BEP 44 items with
// libtorrent's ed25519 so the shim's tests need no other signing code. The product signs with
// OpenSSL in its own module; nothing else in the shim calls this.

#include "session_object.hpp"

#include <array>
#include <cstring>
#include <tuple>

#include <libtorrent/kademlia/ed25519.hpp>
#include <libtorrent/kademlia/item.hpp>

int mtlt_test_sign_mutable(const uint8_t seed[32], const uint8_t *salt, size_t salt_len, int64_t seq,
                           const uint8_t *bencoded_value, size_t value_len, uint8_t out_public_key[32],
                           uint8_t out_signature[64]) noexcept
{
    constexpr const char *function = "mtlt_test_sign_mutable";
    return mtlt::guarded(function, [&]() -> int {
        if (seed == nullptr || (salt == nullptr && salt_len != 0) || (bencoded_value == nullptr && value_len != 0)
            || out_public_key == nullptr || out_signature == nullptr)
        {
            return mtlt::fail(MTLT_EINVAL, "%s: a pointer argument is NULL", function);
        }
        std::array<char, 32> seed_bytes;
        std::memcpy(seed_bytes.data(), seed, 32);
        lt::dht::public_key public_key;
        lt::dht::secret_key secret_key;
        std::tie(public_key, secret_key) = lt::dht::ed25519_create_keypair(seed_bytes);
        const lt::dht::signature signature = lt::dht::sign_mutable_item(
            {reinterpret_cast<const char *>(bencoded_value), static_cast<std::ptrdiff_t>(value_len)},
            {reinterpret_cast<const char *>(salt), static_cast<std::ptrdiff_t>(salt_len)},
            lt::dht::sequence_number(seq), public_key, secret_key);
        std::memcpy(out_public_key, public_key.bytes.data(), 32);
        std::memcpy(out_signature, signature.bytes.data(), 64);
        return MTLT_OK;
    });
}
