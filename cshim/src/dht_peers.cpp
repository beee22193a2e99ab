// dht_peers.cpp: BEP 5 announces and peer lookups on the DHT for an arbitrary info-hash (no torrent
// involved): how blob holders are found (docs/blobs.md, "Finding holders through the DHT").

#include "session_object.hpp"

#include <libtorrent/sha1_hash.hpp>

int mtlt_dht_announce(mtlt_session *s, const uint8_t info_hash[20], int port) noexcept
{
    constexpr const char *function = "mtlt_dht_announce";
    return mtlt::guarded(function, [&]() -> int {
        if (int rc = mtlt::check_session(function, s))
        {
            return rc;
        }
        if (info_hash == nullptr)
        {
            return mtlt::fail(MTLT_EINVAL, "%s: info_hash is NULL", function);
        }
        if (port < 1 || port > 65535)
        {
            return mtlt::fail(MTLT_EINVAL, "%s: port %d is not in 1...65535", function, port);
        }
        if (int rc = mtlt::check_dht_running(function, *s))
        {
            return rc;
        }
        // No flags: the port given is announced (not implied_port, which would take the UDP source
        // port), and not as a seed only.
        s->handle->dht_announce(lt::sha1_hash(reinterpret_cast<const char *>(info_hash)), port);
        return MTLT_OK;
    });
}

int mtlt_dht_get_peers(mtlt_session *s, const uint8_t info_hash[20]) noexcept
{
    constexpr const char *function = "mtlt_dht_get_peers";
    return mtlt::guarded(function, [&]() -> int {
        if (int rc = mtlt::check_session(function, s))
        {
            return rc;
        }
        if (info_hash == nullptr)
        {
            return mtlt::fail(MTLT_EINVAL, "%s: info_hash is NULL", function);
        }
        if (int rc = mtlt::check_dht_running(function, *s))
        {
            return rc;
        }
        s->handle->dht_get_peers(lt::sha1_hash(reinterpret_cast<const char *>(info_hash)));
        return MTLT_OK;
    });
}
