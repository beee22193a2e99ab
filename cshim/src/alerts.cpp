// alerts.cpp: libtorrent alerts copied into plain C structs (mtlt_alert), the consumer's notify hook,
// popping (owned mode: libtorrent's queue; host mode: what the host forwarded), and forwarding.
// Torrent alerts are copied in torrent_alerts.cpp.

#include "session_object.hpp"

#include <cstring>
#include <iterator>
#include <type_traits>

#include <libtorrent/alert_types.hpp>
#include <libtorrent/bencode.hpp>
#include <libtorrent/socket_type.hpp>

static_assert(MTLT_SOCKET_TCP == int(lt::socket_type_t::tcp) && MTLT_SOCKET_SOCKS5 == int(lt::socket_type_t::socks5)
                  && MTLT_SOCKET_HTTP == int(lt::socket_type_t::http) && MTLT_SOCKET_UTP == int(lt::socket_type_t::utp)
                  && MTLT_SOCKET_I2P == int(lt::socket_type_t::i2p)
                  && MTLT_SOCKET_TCP_SSL == int(lt::socket_type_t::tcp_ssl)
                  && MTLT_SOCKET_SOCKS5_SSL == int(lt::socket_type_t::socks5_ssl)
                  && MTLT_SOCKET_HTTP_SSL == int(lt::socket_type_t::http_ssl)
                  && MTLT_SOCKET_UTP_SSL == int(lt::socket_type_t::utp_ssl),
              "MTLT_SOCKET_* must equal lt::socket_type_t");
static_assert(std::is_standard_layout<mtlt_alert>::value, "mtlt_alert is a C struct");

namespace
{
template <std::size_t N>
void copy_bytes(uint8_t (&to)[N], std::array<char, N> const &from)
{
    std::memcpy(to, from.data(), N);
}

// An entry's bencoded bytes; "" for an undefined entry (libtorrent's "nothing found").
std::string bencoded(lt::entry const &item)
{
    std::string out;
    if (item.type() != lt::entry::undefined_t)
    {
        lt::bencode(std::back_inserter(out), item);
    }
    return out;
}
} // namespace

lt::alert_category_t mtlt::required_alert_mask()
{
    // storage: torrent_deleted and torrent_delete_failed (the rest of the torrent alerts are status
    // and error). dht_operation: dht_get_peers_reply (mtlt_dht_get_peers); it also brings the
    // alerts of incoming get_peers and announce queries, which stay MTLT_ALERT_OTHER.
    return lt::alert_category::status | lt::alert_category::error | lt::alert_category::dht
         | lt::alert_category::dht_operation | lt::alert_category::storage;
}

mtlt_alert const &mtlt::alert_copy::publish()
{
    c.message = message.c_str();
    c.salt = salt.empty() ? nullptr : reinterpret_cast<const uint8_t *>(salt.data());
    c.salt_len = salt.size();
    c.value = value.empty() ? nullptr : reinterpret_cast<const uint8_t *>(value.data());
    c.value_len = value.size();
    c.address = c.kind == MTLT_ALERT_LISTEN_SUCCEEDED || c.kind == MTLT_ALERT_LISTEN_FAILED ? address.c_str() : nullptr;
    return c;
}

void mtlt::append_alert(mtlt_session &session, lt::alert const &alert, std::vector<alert_copy> &out)
{
    if (append_torrent_alert(session, alert, out))
    {
        return;
    }
    alert_copy copy;
    if (!copy_session_alert(alert, copy))
    {
        if (session.attached())
        {
            return; // host mode: qBittorrent's session has many alerts the shim does not use
        }
        copy.c = mtlt_alert{};
        copy.c.kind = MTLT_ALERT_OTHER;
        copy.c.lt_type = alert.type();
        copy.c.lt_name = alert.what();
        copy.message = alert.message();
    }
    out.push_back(std::move(copy));
}

bool mtlt::copy_session_alert(lt::alert const &alert, alert_copy &out)
{
    mtlt_alert &c = out.c;
    c = mtlt_alert{};
    c.kind = MTLT_ALERT_OTHER;
    if (auto *a = lt::alert_cast<lt::dht_mutable_item_alert>(&alert))
    {
        c.kind = MTLT_ALERT_DHT_MUTABLE_ITEM;
        copy_bytes(c.public_key, a->key);
        copy_bytes(c.signature, a->signature);
        c.seq = a->seq;
        c.authoritative = a->authoritative ? 1 : 0;
        out.salt = a->salt;
        out.value = bencoded(a->item);
    }
    else if (auto *a = lt::alert_cast<lt::dht_immutable_item_alert>(&alert))
    {
        c.kind = MTLT_ALERT_DHT_IMMUTABLE_ITEM;
        std::memcpy(c.target, a->target.data(), sizeof c.target);
        out.value = bencoded(a->item);
    }
    else if (auto *a = lt::alert_cast<lt::dht_put_alert>(&alert))
    {
        c.kind = MTLT_ALERT_DHT_PUT;
        // libtorrent leaves the target zero for a mutable put and the key zero for an immutable one.
        c.is_mutable = a->target.is_all_zeros() ? 1 : 0;
        std::memcpy(c.target, a->target.data(), sizeof c.target);
        copy_bytes(c.public_key, a->public_key);
        copy_bytes(c.signature, a->signature);
        out.salt = a->salt;
        c.seq = a->seq;
        c.num_success = a->num_success;
    }
    else if (auto *a = lt::alert_cast<lt::dht_get_peers_reply_alert>(&alert))
    {
        c.kind = MTLT_ALERT_DHT_PEERS;
        std::memcpy(c.info_hash, a->info_hash.data(), sizeof c.info_hash);
        // 18 bytes a peer: the IPv6 address (IPv4 as ::ffff:a.b.c.d), then the port big-endian.
        for (lt::tcp::endpoint const &peer : a->peers())
        {
            const lt::address address = peer.address();
            if (address.is_v4())
            {
                const auto v4 = address.to_v4().to_bytes();
                out.value.append(10, '\0');
                out.value.append(2, '\xff');
                out.value.append(reinterpret_cast<const char *>(v4.data()), v4.size());
            }
            else
            {
                const auto v6 = address.to_v6().to_bytes();
                out.value.append(reinterpret_cast<const char *>(v6.data()), v6.size());
            }
            out.value.push_back(static_cast<char>(peer.port() >> 8));
            out.value.push_back(static_cast<char>(peer.port() & 0xff));
        }
    }
    else if (lt::alert_cast<lt::dht_bootstrap_alert>(&alert) != nullptr)
    {
        c.kind = MTLT_ALERT_DHT_BOOTSTRAP;
    }
    else if (auto *a = lt::alert_cast<lt::listen_succeeded_alert>(&alert))
    {
        c.kind = MTLT_ALERT_LISTEN_SUCCEEDED;
        out.address = a->address.to_string();
        c.port = a->port;
        c.socket_type = int(a->socket_type);
    }
    else if (auto *a = lt::alert_cast<lt::listen_failed_alert>(&alert))
    {
        c.kind = MTLT_ALERT_LISTEN_FAILED;
        out.address = a->address.to_string();
        c.port = a->port;
        c.socket_type = int(a->socket_type);
        c.error_code = a->error.value();
    }
    else
    {
        return false;
    }
    c.lt_type = alert.type();
    c.lt_name = alert.what();
    out.message = alert.message();
    return true;
}

int mtlt_session_set_alert_notify(mtlt_session *s, void (*notify)(void *payload), void *payload) noexcept
{
    return mtlt::guarded("mtlt_session_set_alert_notify", [&]() -> int {
        if (int rc = mtlt::check_session("mtlt_session_set_alert_notify", s))
        {
            return rc;
        }
        {
            std::lock_guard<std::mutex> lock(s->notify_mutex);
            s->notify = notify;
            s->notify_payload = payload;
        }
        // libtorrent calls the hook only when its queue goes from empty to non-empty: alerts that
        // were queued before there was a hook would never wake anyone.
        s->wake();
        return MTLT_OK;
    });
}

int mtlt_session_pop_alerts(mtlt_session *s, const mtlt_alert **out_alerts, size_t *out_count) noexcept
{
    return mtlt::guarded("mtlt_session_pop_alerts", [&]() -> int {
        if (int rc = mtlt::check_session("mtlt_session_pop_alerts", s))
        {
            return rc;
        }
        if (out_alerts == nullptr || out_count == nullptr)
        {
            return mtlt::fail(MTLT_EINVAL, "mtlt_session_pop_alerts: %s is NULL",
                              out_alerts == nullptr ? "out_alerts" : "out_count");
        }
        std::lock_guard<std::mutex> pop_lock(s->pop_mutex);
        s->popped.clear();
        s->popped_c.clear();
        {
            std::lock_guard<std::mutex> queue_lock(s->queue_mutex);
            s->popped.swap(s->queued);
        }
        if (s->owned)
        {
            // libtorrent's alerts stay valid only until its next pop: copy them now.
            std::vector<lt::alert *> alerts;
            s->owned->pop_alerts(&alerts);
            s->popped.reserve(s->popped.size() + alerts.size());
            for (lt::alert *alert : alerts)
            {
                mtlt::append_alert(*s, *alert, s->popped);
            }
        }
        // The strings no longer move: point the C structs at them.
        s->popped_c.reserve(s->popped.size());
        for (mtlt::alert_copy &copy : s->popped)
        {
            s->popped_c.push_back(copy.publish());
        }
        *out_alerts = s->popped_c.empty() ? nullptr : s->popped_c.data();
        *out_count = s->popped_c.size();
        return MTLT_OK;
    });
}

int mtlt_session_handle_alert(mtlt_session *s, const void *lt_alert) noexcept
{
    return mtlt::guarded("mtlt_session_handle_alert", [&]() -> int {
        if (int rc = mtlt::check_session("mtlt_session_handle_alert", s))
        {
            return rc;
        }
        if (lt_alert == nullptr)
        {
            return mtlt::fail(MTLT_EINVAL, "mtlt_session_handle_alert: lt_alert is NULL");
        }
        if (!s->attached())
        {
            return mtlt::fail(MTLT_EINVAL,
                              "mtlt_session_handle_alert: the session is owned (its alerts come from libtorrent "
                              "directly); only an attached session takes forwarded alerts");
        }
        std::vector<mtlt::alert_copy> copies;
        mtlt::append_alert(*s, *static_cast<lt::alert const *>(lt_alert), copies);
        if (copies.empty())
        {
            return MTLT_OK;
        }
        bool was_empty = false;
        {
            std::lock_guard<std::mutex> lock(s->queue_mutex);
            was_empty = s->queued.empty();
            for (mtlt::alert_copy &copy : copies)
            {
                s->queued.push_back(std::move(copy));
            }
        }
        if (was_empty)
        {
            s->wake();
        }
        return MTLT_OK;
    });
}
