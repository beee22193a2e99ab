// host_mode_test.cpp: host mode end to end, in C++ as a host (qBittorrent) is: the host makes and
// runs its own lt::session, attaches the shim to it, pops its alerts itself and forwards them; an
// owned shim session is the other DHT node.
//
// Not part of the library: SwiftPM compiles this file into CLibtorrentShim as an empty unit (the
// guard below). The top-level CMakeLists.txt builds it under ASan and UBSan; ctest runs it (shim_host_mode).
#ifdef MTLT_HOST_MODE_TEST

#include "../src/abi_config.hpp"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <libtorrent/add_torrent_params.hpp>
#include <libtorrent/alert_types.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/session_params.hpp>
#include <libtorrent/settings_pack.hpp>

#include "mtlt_shim.h"

#include "loopback_host_settings.hpp"

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

std::string read_file(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool same_hash(const uint8_t a[20], const uint8_t b[20])
{
    return std::memcmp(a, b, 20) == 0;
}

// Torrents through the attached session: the host's session seeds a torrent the shim added (alerts
// forwarded, the host's own torrent filtered out), the owned session downloads it from the host.
void torrents_in_host_mode(lt::session &host, mtlt_session *attached, mtlt_session *owned, wakeup &owned_wake)
{
    char folder_template[] = "/tmp/mtlt-host-mode-XXXXXX";
    const char *made = mkdtemp(folder_template);
    check(made != nullptr, "temporary folder");
    if (made == nullptr)
        return;
    const std::string folder(made);
    const std::string seed_dir = folder + "/seed", download_dir = folder + "/download";
    check(mkdir(seed_dir.c_str(), 0700) == 0 && mkdir(download_dir.c_str(), 0700) == 0, "seed and download folders");
    std::string content(300000, '\0');
    std::mt19937 random(42);
    for (char &byte : content)
        byte = char(random() & 0xff);
    std::ofstream(seed_dir + "/data.bin", std::ios::binary) << content;

    uint8_t *torrent = nullptr;
    size_t torrent_len = 0;
    uint8_t info_hash[20];
    check(mtlt_torrent_create((seed_dir + "/data.bin").c_str(), 16384, nullptr, 0, 0, &torrent, &torrent_len,
                              info_hash) == MTLT_OK,
          "create a torrent");

    // The host's own torrent (a bare info-hash): the attached session must never report it.
    lt::add_torrent_params own;
    own.info_hashes.v1 = lt::sha1_hash("host's own torrent..");
    own.save_path = folder;
    host.add_torrent(own);

    mtlt_add_torrent_params params = MTLT_ADD_TORRENT_PARAMS_INIT;
    params.torrent_file = torrent;
    params.torrent_file_len = torrent_len;
    params.save_path = seed_dir.c_str();
    params.flags = MTLT_TORRENT_SEED_MODE;
    uint8_t added[20];
    check(mtlt_torrent_add(attached, &params, added) == MTLT_OK && same_hash(added, info_hash),
          "seed through the attached session");

    bool saw_added = false, saw_seeding = false, saw_progress = false, saw_foreign = false;
    const auto scan = [&](int wanted_kind) {
        const mtlt_alert *alerts = nullptr;
        size_t count = 0;
        mtlt_session_pop_alerts(attached, &alerts, &count);
        bool found = false;
        for (size_t i = 0; i < count; ++i)
        {
            const mtlt_alert &alert = alerts[i];
            if (alert.kind < MTLT_ALERT_TORRENT_ADDED)
                continue;
            if (!same_hash(alert.info_hash, info_hash))
                saw_foreign = true;
            saw_added |= alert.kind == MTLT_ALERT_TORRENT_ADDED && alert.error_code == 0;
            saw_seeding |= alert.kind == MTLT_ALERT_TORRENT_STATE_CHANGED
                        && alert.torrent_state == MTLT_TORRENT_STATE_SEEDING;
            saw_progress |= alert.kind == MTLT_ALERT_TORRENT_PROGRESS;
            found |= alert.kind == wanted_kind;
        }
        return found;
    };
    check(host_loop_until(host, attached, [&] {
                              scan(-1);
                              return saw_added && saw_seeding;
                          }),
          "forwarded: the torrent was added and seeds");

    // The owned session downloads it from the host's session.
    const std::string peer = "127.0.0.1:" + std::to_string(host.listen_port());
    const char *peers[] = {peer.c_str()};
    mtlt_add_torrent_params download = MTLT_ADD_TORRENT_PARAMS_INIT;
    download.torrent_file = torrent;
    download.torrent_file_len = torrent_len;
    download.save_path = download_dir.c_str();
    download.peers = peers;
    download.peer_count = 1;
    check(mtlt_torrent_add(owned, &download, added) == MTLT_OK, "the owned session adds it with the host as peer");
    mtlt_alert finished{};
    std::string unused;
    std::atomic<bool> done{false};
    std::thread host_loop([&] { host_loop_until(host, attached, [&] { return done.load(); }); });
    check(wait_owned(owned, owned_wake, MTLT_ALERT_TORRENT_FINISHED, finished, unused)
              && same_hash(finished.info_hash, info_hash),
          "the owned session finished downloading from the host");
    done = true;
    host_loop.join();
    check(read_file(download_dir + "/data.bin") == content, "byte-for-byte");

    uint8_t *listed = nullptr;
    size_t listed_count = 0;
    check(mtlt_torrent_list(attached, &listed, &listed_count) == MTLT_OK && listed_count == 1
              && same_hash(listed, info_hash),
          "the attached session lists its torrent only, not the host's");
    mtlt_buffer_free(listed);
    mtlt_torrent_status status{};
    status.version = MTLT_TORRENT_STATUS_VERSION;
    check(mtlt_torrent_get_status(attached, info_hash, &status) == MTLT_OK && status.state == MTLT_TORRENT_STATE_SEEDING
              && status.total_upload > 0,
          "status through the attached session: seeding, uploaded");

    check(mtlt_session_post_torrent_updates(attached) == MTLT_OK, "post torrent updates");
    check(host_loop_until(host, attached, [&] {
              scan(-1);
              return saw_progress;
          }), "forwarded: a progress update");
    check(mtlt_torrent_remove(attached, info_hash, 1) == MTLT_OK, "remove with files through the attached session");
    check(host_loop_until(host, attached, [&] { return scan(MTLT_ALERT_TORRENT_FILES_DELETED); }),
          "forwarded: removed, files deleted");
    check(access((seed_dir + "/data.bin").c_str(), F_OK) != 0, "the seeded file is deleted");
    check(!saw_foreign, "no alert of the host's own torrent reached the attached session");
    check(host.get_torrents().size() == 1, "the host's own torrent is still there");
    const uint8_t *own_hash = reinterpret_cast<const uint8_t *>(own.info_hashes.v1.data());
    check(mtlt_torrent_get_status(attached, own_hash, &status) == MTLT_ENOTORRENT
              && mtlt_torrent_remove(attached, own_hash, 0) == MTLT_ENOTORRENT,
          "the host's own torrent is out of the attached session's reach");
    mtlt_add_torrent_params again = MTLT_ADD_TORRENT_PARAMS_INIT;
    std::memcpy(again.info_hash, own_hash, 20);
    again.has_info_hash = 1;
    again.save_path = folder.c_str();
    check(mtlt_torrent_add(attached, &again, added) == MTLT_EDUPLICATE, "adding the host's own torrent: duplicate");
    check(mtlt_torrent_list(attached, &listed, &listed_count) == MTLT_OK && listed_count == 0,
          "the failed add left nothing tracked");
    mtlt_buffer_free(listed);
    mtlt_buffer_free(torrent);
    std::system(("rm -rf '" + folder + "'").c_str());
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
    auto host = std::make_unique<lt::session>(lt::session_params(megatorrent_test::loopbackHostSettings()));

    mtlt_session *attached = nullptr;
    check(mtlt_session_attach(&attached, host.get()) == MTLT_OK && attached != nullptr, "attach to the host's session");
    const int mask = host->get_settings().get_int(lt::settings_pack::alert_mask);
    check((mask & int(static_cast<std::uint32_t>(lt::alert_category::dht))) != 0, "attach added the dht category");
    check((mask & int(static_cast<std::uint32_t>(lt::alert_category::status))) != 0, "and kept the host's categories");
    check((mask & int(static_cast<std::uint32_t>(lt::alert_category::storage))) != 0, "attach added storage");
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

    torrents_in_host_mode(*host, attached, owned, owned_wake);

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
