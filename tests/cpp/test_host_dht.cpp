// test_host_dht.cpp: what qBittorrent does with libmegatorrent, in C++ through include/megatorrent.h
// only. Two hosts each make their own lt::session, hand it to an mt_node (host mode) and forward
// every alert they pop; two plain lt::sessions complete a loopback DHT swarm. Host A publishes a
// channel, host B (subscribed) resolves it: the manifest comes back byte for byte, B's event
// callback reports it from "dht", and an update to a higher sequence is seen. Built under ASan and
// UBSan by the top-level CMakeLists.txt; ctest runs it (cpp_host_dht).
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
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

#include "megatorrent.h"

#include "loopback_host_settings.hpp"

namespace
{
int failures = 0;
int checks = 0;

void check(bool ok, const std::string &what)
{
    ++checks;
    std::printf("%s %s\n", ok ? "ok  " : "FAIL", what.c_str());
    if (!ok)
    {
        ++failures;
        std::printf("     last error: %s\n", mt_error_last() ? mt_error_last() : "(none)");
    }
}

// A host: its own session, an mt_node attached to it, and the thread that pops alerts and forwards them.
struct host
{
    std::unique_ptr<lt::session> session;
    mt_node *node = nullptr;
    std::atomic<bool> stop{false};
    std::thread alert_thread;
    std::string state_dir;

    explicit host(const std::string &dir) : session(new lt::session(lt::session_params(megatorrent_test::loopbackHostSettings()))), state_dir(dir)
    {
        mt_node_options options = MT_NODE_OPTIONS_INIT;
        options.state_dir = state_dir.c_str();
        check(mt_node_new(&node, &options) == MT_OK, "mt_node_new for " + dir);
        alert_thread = std::thread([this] {
            while (!stop.load())
            {
                session->wait_for_alert(std::chrono::milliseconds(50));
                std::vector<lt::alert *> alerts;
                session->pop_alerts(&alerts);
                for (lt::alert *alert : alerts)
                    mt_node_forward_alert(node, alert);  // MT_ESTATE until attached: ignored
            }
        });
    }

    ~host()
    {
        check(mt_node_detach_session(node) == MT_OK, "detach " + state_dir);
        stop.store(true);
        alert_thread.join();
        mt_node_free(node);
        session.reset();
    }

    int port() const { return session->listen_port(); }
};

// The events a node reported, for the test to wait on.
struct events
{
    std::mutex mutex;
    std::condition_variable cv;
    std::vector<std::pair<uint64_t, std::string>> updates;  // sequence, source

    static void callback(const mt_event *event, void *payload)
    {
        auto *self = static_cast<events *>(payload);
        if (event->kind != MT_EVENT_UPDATED)
            return;
        std::lock_guard<std::mutex> lock(self->mutex);
        self->updates.emplace_back(event->sequence, event->source ? event->source : "");
        self->cv.notify_all();
    }

    bool wait_for(uint64_t sequence, int seconds)
    {
        std::unique_lock<std::mutex> lock(mutex);
        return cv.wait_for(lock, std::chrono::seconds(seconds), [&] {
            for (auto &update : updates)
                if (update.first == sequence && update.second == "dht")
                    return true;
            return false;
        });
    }
};

bool wait_until(int seconds, const std::function<bool()> &condition)
{
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (std::chrono::steady_clock::now() < deadline)
    {
        if (condition())
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

std::string sign(mt_key *key, uint64_t sequence, const char *magnet)
{
    const std::string unsigned_json =
        std::string("{\"collections\":[{\"title\":\"C++ host\",\"items\":[\"") + magnet + "\"]}]}";
    mt_sign_options options = MT_SIGN_OPTIONS_INIT;
    options.sequence = sequence;
    options.timestamp_ms = 1700000000000ULL + sequence;
    char *json = nullptr;
    mt_manifest_status status = MT_MANIFEST_VALID;
    check(mt_manifest_sign(&json, &status, key, unsigned_json.c_str(), unsigned_json.size(), &options) == MT_OK,
          "sign sequence " + std::to_string(sequence));
    std::string out = json ? json : "";
    mt_string_free(json);
    return out;
}
}  // namespace

int main()
{
    std::setvbuf(stdout, nullptr, _IOLBF, 0);  // every line out before a sanitizer's abort
    char folder_template[] = "/tmp/mt-cpp-host-XXXXXX";
    const std::string folder = mkdtemp(folder_template);
    {
        host a(folder + "/a"), b(folder + "/b");
        lt::session plain1{lt::session_params(megatorrent_test::loopbackHostSettings())}, plain2{lt::session_params(megatorrent_test::loopbackHostSettings())};

        mt_dht_options options = MT_DHT_OPTIONS_INIT;
        options.resolve_interval_s = 1;  // B resolves its subscriptions every second
        options.resolve_timeout_s = 30;
        check(mt_node_attach_session(a.node, a.session.get(), &options) == MT_OK, "attach host A's session");
        check(mt_node_attach_session(a.node, a.session.get(), &options) == MT_ESTATE, "a second attach is refused");
        check(mt_node_attach_session(b.node, b.session.get(), &options) == MT_OK, "attach host B's session");

        // Mesh the four sessions once their DHTs run.
        lt::session *all[] = {a.session.get(), b.session.get(), &plain1, &plain2};
        check(wait_until(10, [&] {
                  for (lt::session *s : all)
                      if (!s->is_dht_running())
                          return false;
                  return true;
              }),
              "every DHT runs");
        for (lt::session *s : all)
            for (lt::session *other : all)
                if (s != other)
                    s->add_dht_node({"127.0.0.1", other->listen_port()});
        std::this_thread::sleep_for(std::chrono::milliseconds(500));

        mt_key *key = nullptr;
        check(mt_key_generate(&key) == MT_OK, "generate a channel key");
        char *channel = nullptr;
        check(mt_key_public_hex(&channel, key) == MT_OK, "channel address");

        events seen;
        check(mt_node_set_event_callback(b.node, &events::callback, &seen) == MT_OK, "B's event callback");
        check(mt_node_subscribe(b.node, channel) == MT_OK, "B subscribes");

        const std::string first = sign(key, 1, "magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a");
        int answers = -1;
        check(mt_node_publish_dht(&answers, a.node, key, first.data(), first.size()) == MT_OK, "A publishes on the DHT");
        check(answers > 0, "the put reached " + std::to_string(answers) + " nodes");

        char *resolved = nullptr;
        check(mt_node_resolve_dht(&resolved, b.node, channel, 60000) == MT_OK, "B resolves the channel");
        check(resolved != nullptr && first == resolved, "B got A's manifest byte for byte");
        mt_string_free(resolved);
        check(seen.wait_for(1, 30), "B's callback reported sequence 1 from dht");

        // An update: B's periodic resolution sees it by itself.
        const std::string second = sign(key, 2, "magnet:?xt=urn:btih:d22fe1c06bba254a9dc9f519b335aa7c1367a88b");
        check(mt_node_publish_dht(nullptr, a.node, key, second.data(), second.size()) == MT_OK, "A publishes sequence 2");
        check(seen.wait_for(2, 60), "B's callback reported sequence 2 from dht");
        char *latest = nullptr;
        check(mt_node_latest_manifest(&latest, b.node, channel) == MT_OK && latest && second == latest,
              "B holds sequence 2");
        mt_string_free(latest);

        // Refusals: a manifest of another key, garbage, a channel nobody published, a node without a session.
        mt_key *other = nullptr;
        mt_key_generate(&other);
        check(mt_node_publish_dht(nullptr, a.node, other, second.data(), second.size()) == MT_EMANIFEST,
              "publishing with another key than the manifest's is refused");
        check(mt_node_publish_dht(nullptr, a.node, key, "{not json", 9) == MT_EMANIFEST, "garbage is refused");
        char *none = nullptr;
        const std::string nobody(64, 'a');
        const int rc = mt_node_resolve_dht(&none, b.node, nobody.c_str(), 3000);
        check(rc == MT_ENOTFOUND || rc == MT_ETIMEDOUT, "a channel nobody published: not found");
        check(none == nullptr, "nothing returned for it");
        mt_node *lone = nullptr;
        mt_node_options lone_options = MT_NODE_OPTIONS_INIT;
        const std::string lone_dir = folder + "/lone";
        lone_options.state_dir = lone_dir.c_str();
        mt_node_new(&lone, &lone_options);
        check(mt_node_resolve_dht(&none, lone, channel, 1000) == MT_ESTATE, "no session attached: MT_ESTATE");
        mt_node_free(lone);

        mt_key_free(other);
        mt_string_free(channel);
        mt_key_free(key);
    }
    std::system(("rm -rf " + folder).c_str());
    std::printf("%d passed, %d failed\n", checks - failures, failures);
    return failures == 0 ? 0 : 1;
}
