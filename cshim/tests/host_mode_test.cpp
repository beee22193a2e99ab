// host_mode_test.cpp: host mode end to end, in C++ as a host (qBittorrent) is: the host makes and
// runs its own lt::session, attaches the shim to it, pops its alerts itself and forwards them; an
// owned shim session is the other DHT node.
//
// Not part of the library: SwiftPM compiles this file into CLibtorrentShim as an empty unit (the
// guard below). The top-level CMakeLists.txt builds it under ASan and UBSan; ctest runs it (shim_host_mode).
#ifdef MTLT_HOST_MODE_TEST

#include "../src/abi_config.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <libtorrent/alert_types.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/session_params.hpp>
#include <libtorrent/settings_pack.hpp>

#include "mtlt_shim.h"

namespace
{
using clock_type = std::chrono::steady_clock;
int failures = 0;

void check(bool ok, const char *what)
{
    std::printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    if (!ok)
    {
        ++failures;
    }
}

// The shim's notify hook: only wakes the waiting thread.
struct wakeup
{
    std::mutex mutex;
    std::condition_variable cv;
    int count = 0;

    static void notify(void *payload)
    {
        auto *self = static_cast<wakeup *>(payload);
        {
            std::lock_guard<std::mutex> lock(self->mutex);
            ++self->count;
        }
        self->cv.notify_all();
    }
};

lt::settings_pack host_settings()
{
    lt::settings_pack pack;
    pack.set_str(lt::settings_pack::listen_interfaces, "127.0.0.1:0");
    pack.set_str(lt::settings_pack::dht_bootstrap_nodes, "");
    pack.set_bool(lt::settings_pack::enable_dht, true);
    pack.set_bool(lt::settings_pack::enable_lsd, false);
    pack.set_bool(lt::settings_pack::enable_upnp, false);
    pack.set_bool(lt::settings_pack::enable_natpmp, false);
    pack.set_bool(lt::settings_pack::dht_restrict_routing_ips, false);
    pack.set_bool(lt::settings_pack::dht_restrict_search_ips, false);
    pack.set_bool(lt::settings_pack::dht_prefer_verified_node_ids, false);
    pack.set_int(lt::settings_pack::dht_block_ratelimit, 100000);
    pack.set_int(lt::settings_pack::dht_upload_rate_limit, 10000000);
    // Like qBittorrent: status and errors, no DHT category (the shim adds it on attach).
    pack.set_int(lt::settings_pack::alert_mask, lt::alert_category::status | lt::alert_category::error);
    return pack;
}

// Runs the host's alert loop (pop, forward everything) until `done` holds or 10 s pass.
bool host_loop_until(lt::session &host, mtlt_session *attached, const std::function<bool()> &done)
{
    const auto deadline = clock_type::now() + std::chrono::seconds(10);
    while (clock_type::now() < deadline)
    {
        host.wait_for_alert(std::chrono::milliseconds(50));
        std::vector<lt::alert *> alerts;
        host.pop_alerts(&alerts);
        for (lt::alert *alert : alerts)
        {
            if (mtlt_session_handle_alert(attached, alert) != MTLT_OK)
            {
                std::printf("handle_alert: %s\n", mtlt_error_last());
                return false;
            }
        }
        if (done())
        {
            return true;
        }
    }
    return false;
}

// Waits (bounded) for the owned session's alert of `kind`; copies it and its value out.
bool wait_owned(mtlt_session *owned, wakeup &wake, int kind, mtlt_alert &out, std::string &value)
{
    const auto deadline = clock_type::now() + std::chrono::seconds(10);
    while (clock_type::now() < deadline)
    {
        {
            std::unique_lock<std::mutex> lock(wake.mutex);
            wake.cv.wait_for(lock, std::chrono::milliseconds(100));
        }
        const mtlt_alert *alerts = nullptr;
        size_t count = 0;
        if (mtlt_session_pop_alerts(owned, &alerts, &count) != MTLT_OK)
        {
            return false;
        }
        for (size_t i = 0; i < count; ++i)
        {
            if (alerts[i].kind == kind && (kind != MTLT_ALERT_DHT_MUTABLE_ITEM || alerts[i].value_len > 0))
            {
                out = alerts[i];
                value.assign(reinterpret_cast<const char *>(alerts[i].value), alerts[i].value_len);
                return true;
            }
        }
    }
    return false;
}

bool wait_running(const std::function<bool()> &running)
{
    const auto deadline = clock_type::now() + std::chrono::seconds(10);
    while (!running() && clock_type::now() < deadline)
    {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return running();
}
} // namespace

int main()
{
    auto host = std::make_unique<lt::session>(lt::session_params(host_settings()));

    mtlt_session *attached = nullptr;
    check(mtlt_session_attach(&attached, host.get()) == MTLT_OK && attached != nullptr, "attach to the host's session");
    const int mask = host->get_settings().get_int(lt::settings_pack::alert_mask);
    check((mask & int(static_cast<std::uint32_t>(lt::alert_category::dht))) != 0, "attach added the dht category");
    check((mask & int(static_cast<std::uint32_t>(lt::alert_category::status))) != 0, "and kept the host's categories");
    wakeup host_wake;
    check(mtlt_session_set_alert_notify(attached, &wakeup::notify, &host_wake) == MTLT_OK, "notify hook on attached");

    mtlt_session_settings settings;
    mtlt_session_settings_init(&settings, MTLT_SESSION_SETTINGS_VERSION);
    settings.enable_dht = 1;
    settings.dht_restrict_routing_ips = 0;
    settings.dht_restrict_search_ips = 0;
    settings.dht_prefer_verified_node_ids = 0;
    settings.dht_block_ratelimit = 100000;
    settings.dht_upload_rate_limit = 10000000;
    mtlt_session *owned = nullptr;
    check(mtlt_session_new(&owned, &settings) == MTLT_OK, "owned peer session");
    wakeup owned_wake;
    mtlt_session_set_alert_notify(owned, &wakeup::notify, &owned_wake);

    check(wait_running([&] {
              int running = 0;
              mtlt_session_is_dht_running(owned, &running);
              return running == 1 && host->is_dht_running();
          }),
          "both DHT nodes run");
    int owned_port = 0;
    mtlt_session_listen_port(owned, &owned_port);
    check(mtlt_session_add_dht_node(attached, "127.0.0.1", owned_port) == MTLT_OK, "host adds the peer");
    check(mtlt_session_add_dht_node(owned, "127.0.0.1", host->listen_port()) == MTLT_OK, "peer adds the host");
    check(host_loop_until(*host, attached,
                          [&] {
                              int nodes = 0;
                              mtlt_session_dht_node_count(attached, &nodes);
                              return nodes >= 1;
                          }),
          "the host's routing table holds the peer");

    // A mutable item put through the host's session, signed outside it.
    uint8_t seed[32];
    for (int i = 0; i < 32; ++i)
    {
        seed[i] = uint8_t(i * 7 + 1);
    }
    const std::string salt = "host";
    const std::string value = "d2:ih20:01234567890123456789e";
    uint8_t public_key[32];
    uint8_t signature[64];
    check(mtlt_test_sign_mutable(seed, reinterpret_cast<const uint8_t *>(salt.data()), salt.size(), 4,
                                 reinterpret_cast<const uint8_t *>(value.data()), value.size(), public_key,
                                 signature) == MTLT_OK,
          "sign with the test helper");
    {
        // Empty the attached session's queue: the next forwarded alert must wake the consumer.
        const mtlt_alert *alerts = nullptr;
        size_t count = 0;
        mtlt_session_pop_alerts(attached, &alerts, &count);
    }
    int wakes_before = 0;
    {
        std::lock_guard<std::mutex> lock(host_wake.mutex);
        wakes_before = host_wake.count;
    }
    check(mtlt_dht_put_mutable(attached, public_key, reinterpret_cast<const uint8_t *>(salt.data()), salt.size(), 4,
                               reinterpret_cast<const uint8_t *>(value.data()), value.size(), signature) == MTLT_OK,
          "put through the attached session");
    int put_success = -1;
    bool put_seen = host_loop_until(*host, attached, [&] {
        const mtlt_alert *alerts = nullptr;
        size_t count = 0;
        mtlt_session_pop_alerts(attached, &alerts, &count);
        for (size_t i = 0; i < count; ++i)
        {
            if (alerts[i].kind == MTLT_ALERT_DHT_PUT && alerts[i].is_mutable == 1 && alerts[i].seq == 4
                && std::memcmp(alerts[i].public_key, public_key, 32) == 0)
            {
                put_success = alerts[i].num_success;
                return true;
            }
            if (alerts[i].kind == MTLT_ALERT_OTHER)
            {
                std::printf("FAIL host mode delivered an OTHER alert: %s\n", alerts[i].lt_name);
                ++failures;
            }
        }
        return false;
    });
    check(put_seen, "the forwarded dht_put alert pops from the attached session");
    check(put_success >= 1, "the peer took the put");
    {
        std::lock_guard<std::mutex> lock(host_wake.mutex);
        check(host_wake.count > wakes_before, "forwarding woke the attached session's consumer");
    }

    // The owned peer finds it.
    check(mtlt_dht_get_mutable(owned, public_key, reinterpret_cast<const uint8_t *>(salt.data()), salt.size())
              == MTLT_OK,
          "get from the owned peer");
    mtlt_alert found{};
    std::string found_value;
    check(wait_owned(owned, owned_wake, MTLT_ALERT_DHT_MUTABLE_ITEM, found, found_value), "the peer gets an answer");
    check(found_value == value && found.seq == 4 && std::memcmp(found.signature, signature, 64) == 0,
          "value, seq and signature as put");

    // State saved through the host's session; detaching leaves the host running.
    uint8_t *state = nullptr;
    size_t state_len = 0;
    check(mtlt_session_dht_state_save(attached, &state, &state_len) == MTLT_OK && state_len > 0, "save state");
    mtlt_buffer_free(state);
    check(mtlt_session_handle_alert(owned, &found) == MTLT_EINVAL, "an owned session refuses forwarded alerts");
    mtlt_session_free(attached);
    check(host->is_valid() && host->is_dht_running(), "the host's session outlives the detached shim");

    mtlt_session_free(owned);
    host.reset();
    std::printf("%s: %d failure(s)\n", failures == 0 ? "PASS" : "FAIL", failures);
    return failures == 0 ? 0 : 1;
}

#endif // MTLT_HOST_MODE_TEST
