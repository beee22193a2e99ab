// dht_state.cpp: the DHT's routing table across restarts (save, restore into a new session), its
// size, and adding nodes by hand.

#include "session_object.hpp"

#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

#include <libtorrent/bdecode.hpp>
#include <libtorrent/session_params.hpp>

namespace
{
// The part of lt::session_params that mtlt_session_dht_state_save writes and
// mtlt_session_new_with_state reads. Only the DHT: settings come from the settings struct.
constexpr lt::save_state_flags_t dht_only = lt::session_handle::save_dht_state;

// write_session_params puts the DHT state under this key (session_params.cpp, 2.0).
constexpr const char *dht_state_key = "dht state";
} // namespace

int mtlt_session_new_with_state(mtlt_session **out, const mtlt_session_settings *settings, const uint8_t *state,
                                size_t state_len) noexcept
{
    constexpr const char *function = "mtlt_session_new_with_state";
    return mtlt::guarded(function, [&]() -> int {
        if (state == nullptr || state_len == 0)
        {
            return mtlt::fail(MTLT_EINVAL, "%s: the state is %s", function, state == nullptr ? "NULL" : "empty");
        }
        if (state_len > std::size_t(INT32_MAX))
        {
            return mtlt::fail(MTLT_EINVAL, "%s: the state is %zu bytes, too large", function, state_len);
        }
        lt::error_code ec;
        const lt::bdecode_node root =
            lt::bdecode({reinterpret_cast<const char *>(state), static_cast<std::ptrdiff_t>(state_len)}, ec);
        if (ec)
        {
            return mtlt::fail(MTLT_EINVAL, "%s: the state is not bencoded: %s", function, ec.message().c_str());
        }
        if (root.type() != lt::bdecode_node::dict_t || !root.dict_find_dict(dht_state_key))
        {
            return mtlt::fail(MTLT_EINVAL, "%s: the state holds no \"%s\" dictionary (save it with "
                                           "mtlt_session_dht_state_save)",
                              function, dht_state_key);
        }
        lt::session_params saved = lt::read_session_params(root, dht_only);
        return mtlt::make_owned_session(function, out, settings, &saved.dht_state);
    });
}

int mtlt_session_dht_state_save(mtlt_session *s, uint8_t **out, size_t *out_len) noexcept
{
    constexpr const char *function = "mtlt_session_dht_state_save";
    return mtlt::guarded(function, [&]() -> int {
        if (int rc = mtlt::check_session(function, s))
        {
            return rc;
        }
        if (out == nullptr || out_len == nullptr)
        {
            return mtlt::fail(MTLT_EINVAL, "%s: %s is NULL", function, out == nullptr ? "out" : "out_len");
        }
        const std::vector<char> buffer = lt::write_session_params_buf(s->handle->session_state(dht_only), dht_only);
        if (int rc = mtlt::copy_out(function, buffer.data(), buffer.size(), out))
        {
            return rc;
        }
        *out_len = buffer.size();
        return MTLT_OK;
    });
}

int mtlt::copy_out(const char *function, const void *bytes, size_t len, uint8_t **out)
{
    void *copy = std::malloc(len == 0 ? 1 : len);
    if (copy == nullptr)
    {
        return fail(MTLT_ENOMEM, "%s: out of memory", function);
    }
    if (len != 0)
    {
        std::memcpy(copy, bytes, len);
    }
    *out = static_cast<uint8_t *>(copy);
    return MTLT_OK;
}

void mtlt_buffer_free(void *buffer) noexcept
{
    std::free(buffer);
}

int mtlt_session_dht_node_count(mtlt_session *s, int *out_count) noexcept
{
    constexpr const char *function = "mtlt_session_dht_node_count";
    return mtlt::guarded(function, [&]() -> int {
        if (int rc = mtlt::check_session(function, s))
        {
            return rc;
        }
        if (out_count == nullptr)
        {
            return mtlt::fail(MTLT_EINVAL, "%s: out_count is NULL", function);
        }
        // session_state collects the live nodes of every routing table on the network thread (what
        // dht_tracker::state() saves); there is no cheaper synchronous count in libtorrent 2.0.
        const lt::session_params state = s->handle->session_state(dht_only);
        *out_count = int(state.dht_state.nodes.size() + state.dht_state.nodes6.size());
        return MTLT_OK;
    });
}

int mtlt_session_add_dht_node(mtlt_session *s, const char *host, int port) noexcept
{
    constexpr const char *function = "mtlt_session_add_dht_node";
    return mtlt::guarded(function, [&]() -> int {
        if (int rc = mtlt::check_session(function, s))
        {
            return rc;
        }
        if (host == nullptr || host[0] == '\0')
        {
            return mtlt::fail(MTLT_EINVAL, "%s: host is %s", function, host == nullptr ? "NULL" : "empty");
        }
        if (port < 1 || port > 65535)
        {
            return mtlt::fail(MTLT_EINVAL, "%s: port %d is not in 1...65535", function, port);
        }
        if (int rc = mtlt::check_dht_running(function, *s))
        {
            return rc;
        }
        s->handle->add_dht_node({std::string(host), port});
        return MTLT_OK;
    });
}
