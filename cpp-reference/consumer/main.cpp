// consumer: a C++ program built against an installed libmegatorrent (find_package or pkg-config)
// through the RAII wrappers of megatorrent.hpp. It makes a key, signs two manifests, verifies them,
// follows the channel on a node in a temporary state folder, offers the manifests and checks the
// events, the stored manifest and the refusals. Exits 0 when every check passed.
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include <megatorrent.hpp>

namespace
{
    int failures = 0;

    void check(const bool ok, const std::string &what)
    {
        std::printf("%s %s\n", ok ? "ok  " : "FAIL", what.c_str());
        if (!ok)
            ++failures;
    }

    std::string manifestWith(const std::string &magnet)
    {
        return R"({"collections":[{"title":"consumer","items":[")" + magnet + R"("]}]})";
    }
}

int main()
{
    char stateDir[] = "/tmp/megatorrent-consumer-XXXXXX";
    if (!::mkdtemp(stateDir))
        return 2;

    try
    {
        check(Megatorrent::version() == MEGATORRENT_VERSION, "version " + Megatorrent::version());

        const Megatorrent::Key key = Megatorrent::Key::generate();
        const std::string channel = key.publicHex();
        check(channel.size() == 64, "channel id " + channel);

        const std::string first = key.sign(manifestWith("magnet:?xt=urn:btih:" + std::string(40, 'a') + "&dn=one"), 1);
        const std::string second = key.sign(manifestWith("magnet:?xt=urn:btih:" + std::string(40, 'b') + "&dn=two"), 2);
        const Megatorrent::Verification verified = Megatorrent::verifyManifest(second, channel);
        check(verified.isValid() && (verified.sequence == 2) && (verified.items == 1), "verify a signed manifest");
        check(!Megatorrent::verifyManifest(second, std::string(64, '1')).isValid(), "refuse another channel's key");

        bool threw = false;
        try
        {
            Megatorrent::Key::load(std::string(stateDir) + "/missing.key");
        }
        catch (const Megatorrent::Error &error)
        {
            threw = (error.code() == MT_ENOTFOUND);
        }
        check(threw, "Key::load of a missing file throws Error(MT_ENOTFOUND)");

        Megatorrent::Node node {stateDir};
        std::mutex mutex;
        std::condition_variable changed;
        std::vector<Megatorrent::Event> events;
        node.setEventHandler([&](const Megatorrent::Event &event)
        {
            const std::lock_guard<std::mutex> lock {mutex};
            events.push_back(event);
            changed.notify_all();
        });

        check(node.offer(first) == MT_OFFER_NOT_FOLLOWED, "a channel not followed is ignored");
        node.subscribe(channel);
        const std::vector<std::string> subscriptions = node.subscriptions();
        check((subscriptions.size() == 1) && (subscriptions[0] == channel), "subscriptions lists the channel");
        check(!node.latestManifest(channel), "no manifest held yet");
        check(node.offer(first, "consumer") == MT_OFFER_UPDATED, "offer sequence 1: updated");
        check(node.offer(second, "consumer") == MT_OFFER_UPDATED, "offer sequence 2: updated");
        check(node.offer(first, "consumer") == MT_OFFER_STALE, "offer sequence 1 again: stale");
        check(node.latestManifest(channel).value_or("") == second, "latest manifest is sequence 2, byte for byte");

        {
            std::unique_lock<std::mutex> lock {mutex};
            const bool seen = changed.wait_for(lock, std::chrono::seconds(10), [&]
            {
                return (events.size() >= 2) && (events.back().sequence == 2);
            });
            // A caller's offer is labelled "peer <source>" by the library.
            const bool ok = seen && (events.back().kind == MT_EVENT_UPDATED)
                && (events.back().source.find("consumer") != std::string::npos)
                && (events.back().previous == 1) && (events.back().json == second);
            check(ok, "UPDATED events through the handler");
            for (const Megatorrent::Event &event : events)
            {
                if (!ok)
                    std::printf("     event kind=%d sequence=%llu previous=%llu source=%s\n", static_cast<int>(event.kind)
                        , static_cast<unsigned long long>(event.sequence), static_cast<unsigned long long>(event.previous)
                        , event.source.c_str());
            }
        }
        node.setEventHandler({});

        node.unsubscribe(channel);
        check(node.subscriptions().empty(), "unsubscribe");
    }
    catch (const Megatorrent::Error &error)
    {
        std::printf("FAIL unexpected Megatorrent::Error %d: %s\n", error.code(), error.what());
        ++failures;
    }

    std::system((std::string("rm -rf ") + stateDir).c_str());
    std::printf("%s\n", failures ? "consumer: FAILED" : "consumer: all checks passed");
    return failures ? 1 : 0;
}
