// dht_items.cpp: BEP 44 items. Mutable puts take a signature made outside libtorrent (no secret key
// enters it); every value is checked (size, canonical bencoding, signature) before the network.

#include "session_object.hpp"

#include <array>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <string>

#include <libtorrent/bdecode.hpp>
#include <libtorrent/bencode.hpp>
#include <libtorrent/entry.hpp>
#include <libtorrent/hasher.hpp>
#include <libtorrent/kademlia/ed25519.hpp>
#include <libtorrent/kademlia/types.hpp>

namespace
{
// Decodes a caller's bencoded value into `out`: MTLT_OK, or MTLT_EINVAL when it is NULL, empty, over
// 1000 bytes, not bencoded, or not canonical. Canonical matters: libtorrent stores and sends the
// entry re-encoded, so other bytes would break the signature (mutable) or the target (immutable).
int decode_value(const char *function, const uint8_t *bytes, size_t len, lt::entry &out)
{
    if (bytes == nullptr || len == 0)
    {
        return mtlt::fail(MTLT_EINVAL, "%s: the bencoded value is %s", function, bytes == nullptr ? "NULL" : "empty");
    }
    if (len > MTLT_DHT_MAX_VALUE_SIZE)
    {
        return mtlt::fail(MTLT_EINVAL,
                          "%s: the bencoded value is %zu bytes; BEP 44 allows at most %d (other nodes refuse larger "
                          "items)",
                          function, len, MTLT_DHT_MAX_VALUE_SIZE);
    }
    const lt::span<char const> span(reinterpret_cast<const char *>(bytes), static_cast<std::ptrdiff_t>(len));
    lt::error_code ec;
    int error_pos = 0;
    const lt::bdecode_node node = lt::bdecode(span, ec, &error_pos);
    if (ec)
    {
        return mtlt::fail(MTLT_EINVAL, "%s: the value is not bencoded (%s at byte %d)", function,
                          ec.message().c_str(), error_pos);
    }
    out = lt::entry(node);
    std::string again;
    lt::bencode(std::back_inserter(again), out);
    if (again.size() != len || std::memcmp(again.data(), bytes, len) != 0)
    {
        return mtlt::fail(MTLT_EINVAL,
                          "%s: the value is not canonical bencoding (unsorted dictionary keys, trailing bytes or "
                          "leading zeros); libtorrent would send other bytes than those signed",
                          function);
    }
    return MTLT_OK;
}

int check_salt(const char *function, const uint8_t *salt, size_t salt_len)
{
    if (salt == nullptr && salt_len != 0)
    {
        return mtlt::fail(MTLT_EINVAL, "%s: salt is NULL but salt_len is %zu", function, salt_len);
    }
    if (salt_len > MTLT_DHT_MAX_SALT_SIZE)
    {
        return mtlt::fail(MTLT_EINVAL, "%s: the salt is %zu bytes; BEP 44 allows at most %d", function, salt_len,
                          MTLT_DHT_MAX_SALT_SIZE);
    }
    return MTLT_OK;
}

std::string salt_string(const uint8_t *salt, size_t salt_len)
{
    return salt_len == 0 ? std::string() : std::string(reinterpret_cast<const char *>(salt), salt_len);
}

template <std::size_t N>
std::array<char, N> to_array(const uint8_t *bytes)
{
    std::array<char, N> out;
    std::memcpy(out.data(), bytes, N);
    return out;
}

// BEP 44's signed message: "4:salt<len>:<salt>3:seqi<seq>e1:v<value>", the salt part only when
// there is a salt (libtorrent's canonical_string, which is not exported).
std::string signed_message(const std::string &salt, int64_t seq, const uint8_t *value, size_t value_len)
{
    std::string message;
    char number[64];
    if (!salt.empty())
    {
        std::snprintf(number, sizeof number, "4:salt%zu:", salt.size());
        message += number;
        message += salt;
    }
    std::snprintf(number, sizeof number, "3:seqi%" PRId64 "e1:v", seq);
    message += number;
    message.append(reinterpret_cast<const char *>(value), value_len);
    return message;
}
} // namespace

namespace
{
int put_mutable(const char *function, mtlt_session *s, const uint8_t public_key[32], const uint8_t *salt,
                size_t salt_len, int64_t seq, const uint8_t *bencoded_value, size_t value_len,
                const uint8_t signature[64], bool verify) noexcept
{
    return mtlt::guarded(function, [&]() -> int {
        if (int rc = mtlt::check_session(function, s))
        {
            return rc;
        }
        if (public_key == nullptr || signature == nullptr)
        {
            return mtlt::fail(MTLT_EINVAL, "%s: %s is NULL", function,
                              public_key == nullptr ? "public_key" : "signature");
        }
        if (seq < 0)
        {
            return mtlt::fail(MTLT_EINVAL, "%s: seq is %" PRId64 "; it must be >= 0", function, seq);
        }
        if (int rc = check_salt(function, salt, salt_len))
        {
            return rc;
        }
        lt::entry value;
        if (int rc = decode_value(function, bencoded_value, value_len, value))
        {
            return rc;
        }
        const std::string salt_bytes = salt_string(salt, salt_len);
        const std::array<char, 32> key = to_array<32>(public_key);
        const std::array<char, 64> sig = to_array<64>(signature);
        if (verify && !lt::dht::ed25519_verify(lt::dht::signature(sig.data()),
                                               signed_message(salt_bytes, seq, bencoded_value, value_len),
                                               lt::dht::public_key(key.data())))
        {
            return mtlt::fail(MTLT_EINVAL,
                              "%s: the signature does not verify for this public key, salt, seq and value (BEP 44 "
                              "signs \"4:salt<len>:<salt>3:seqi<seq>e1:v<value>\"); other nodes would refuse the put",
                              function);
        }
        if (int rc = mtlt::check_dht_running(function, *s))
        {
            return rc;
        }
        // Runs on the network thread, once per DHT stack: it only assigns what was computed above
        // (never ++seq here: each stack would add its own increment) and never blocks.
        s->handle->dht_put_item(
            key,
            [value = std::move(value), sig, seq](lt::entry &item, std::array<char, 64> &item_sig, std::int64_t &item_seq,
                                                 std::string const &) {
                item = value;
                item_sig = sig;
                item_seq = seq;
            },
            salt_bytes);
        return MTLT_OK;
    });
}
} // namespace

int mtlt_dht_put_mutable(mtlt_session *s, const uint8_t public_key[32], const uint8_t *salt, size_t salt_len,
                         int64_t seq, const uint8_t *bencoded_value, size_t value_len,
                         const uint8_t signature[64]) noexcept
{
    return put_mutable("mtlt_dht_put_mutable", s, public_key, salt, salt_len, seq, bencoded_value, value_len,
                       signature, true);
}

int mtlt_dht_put_mutable_verified(mtlt_session *s, const uint8_t public_key[32], const uint8_t *salt,
                                  size_t salt_len, int64_t seq, const uint8_t *bencoded_value, size_t value_len,
                                  const uint8_t signature[64]) noexcept
{
    return put_mutable("mtlt_dht_put_mutable_verified", s, public_key, salt, salt_len, seq, bencoded_value,
                       value_len, signature, false);
}

int mtlt_dht_get_mutable(mtlt_session *s, const uint8_t public_key[32], const uint8_t *salt,
                         size_t salt_len) noexcept
{
    constexpr const char *function = "mtlt_dht_get_mutable";
    return mtlt::guarded(function, [&]() -> int {
        if (int rc = mtlt::check_session(function, s))
        {
            return rc;
        }
        if (public_key == nullptr)
        {
            return mtlt::fail(MTLT_EINVAL, "%s: public_key is NULL", function);
        }
        if (int rc = check_salt(function, salt, salt_len))
        {
            return rc;
        }
        if (int rc = mtlt::check_dht_running(function, *s))
        {
            return rc;
        }
        s->handle->dht_get_item(to_array<32>(public_key), salt_string(salt, salt_len));
        return MTLT_OK;
    });
}

int mtlt_dht_put_immutable(mtlt_session *s, const uint8_t *bencoded, size_t len, uint8_t out_target[20]) noexcept
{
    constexpr const char *function = "mtlt_dht_put_immutable";
    return mtlt::guarded(function, [&]() -> int {
        if (int rc = mtlt::check_session(function, s))
        {
            return rc;
        }
        if (out_target == nullptr)
        {
            return mtlt::fail(MTLT_EINVAL, "%s: out_target is NULL", function);
        }
        lt::entry value;
        if (int rc = decode_value(function, bencoded, len, value))
        {
            return rc;
        }
        if (int rc = mtlt::check_dht_running(function, *s))
        {
            return rc;
        }
        const lt::sha1_hash target = s->handle->dht_put_item(std::move(value));
        std::memcpy(out_target, target.data(), 20);
        return MTLT_OK;
    });
}

int mtlt_dht_immutable_target(const uint8_t *bencoded, size_t len, uint8_t out_target[20]) noexcept
{
    constexpr const char *function = "mtlt_dht_immutable_target";
    return mtlt::guarded(function, [&]() -> int {
        if (out_target == nullptr)
        {
            return mtlt::fail(MTLT_EINVAL, "%s: out_target is NULL", function);
        }
        lt::entry value;
        if (int rc = decode_value(function, bencoded, len, value))
        {
            return rc;
        }
        const lt::sha1_hash target =
            lt::hasher(reinterpret_cast<const char *>(bencoded), static_cast<int>(len)).final();
        std::memcpy(out_target, target.data(), 20);
        return MTLT_OK;
    });
}

int mtlt_dht_get_immutable(mtlt_session *s, const uint8_t target[20]) noexcept
{
    constexpr const char *function = "mtlt_dht_get_immutable";
    return mtlt::guarded(function, [&]() -> int {
        if (int rc = mtlt::check_session(function, s))
        {
            return rc;
        }
        if (target == nullptr)
        {
            return mtlt::fail(MTLT_EINVAL, "%s: target is NULL", function);
        }
        if (int rc = mtlt::check_dht_running(function, *s))
        {
            return rc;
        }
        s->handle->dht_get_item(lt::sha1_hash(reinterpret_cast<const char *>(target)));
        return MTLT_OK;
    });
}
