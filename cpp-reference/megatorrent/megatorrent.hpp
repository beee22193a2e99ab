/*
 * megatorrent.hpp: C++17 RAII wrappers over the C ABI of libmegatorrent (include/megatorrent.h).
 *
 * Header-only; link libmegatorrent as for the C header. Handles own their C handle (move-only) and
 * release it in the destructor; strings come back as std::string; a failing call throws
 * Megatorrent::Error carrying the mt_error_code and mt_error_last()'s message. Nothing here keeps
 * state beyond the C handle, so the thread-safety of each class is that of its C handle: a Key is
 * immutable and shareable, a Node is thread-safe inside.
 */
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "megatorrent.h"

namespace Megatorrent
{
    /// A failed call: the C error code and the message of mt_error_last() on the calling thread.
    class Error : public std::runtime_error
    {
    public:
        Error(const int code, const std::string &message)
            : std::runtime_error(message)
            , m_code {code}
        {
        }

        /// The mt_error_code the C call returned.
        int code() const noexcept
        {
            return m_code;
        }

    private:
        int m_code;
    };

    namespace Detail
    {
        /// Throws Error for a non-zero return code of the C ABI.
        inline void check(const int code, const char *what)
        {
            if (code == MT_OK)
                return;
            const char *last = mt_error_last();
            throw Error(code, std::string(what) + ": " + (last ? last : "error " + std::to_string(code)));
        }

        /// Takes ownership of a string the library allocated and copies it out.
        inline std::string adopt(char *string)
        {
            const std::unique_ptr<char, decltype(&mt_string_free)> owner {string, &mt_string_free};
            return string ? std::string(string) : std::string();
        }
    }

    /// The library's version string, e.g. "0.1.0".
    inline std::string version()
    {
        return mt_version();
    }

    /// A channel's Ed25519 signing key (mt_key). Immutable; may be shared between threads.
    class Key
    {
    public:
        /// A new random key.
        static Key generate()
        {
            mt_key *key = nullptr;
            Detail::check(mt_key_generate(&key), "mt_key_generate");
            return Key(key);
        }

        /// Loads a key file (a 32-byte seed, mode 0600).
        static Key load(const std::string &path)
        {
            mt_key *key = nullptr;
            Detail::check(mt_key_load(&key, path.c_str()), "mt_key_load");
            return Key(key);
        }

        Key(Key &&other) noexcept
            : m_key {std::exchange(other.m_key, nullptr)}
        {
        }

        Key &operator=(Key &&other) noexcept
        {
            if (this != &other)
            {
                mt_key_free(m_key);
                m_key = std::exchange(other.m_key, nullptr);
            }
            return *this;
        }

        Key(const Key &) = delete;
        Key &operator=(const Key &) = delete;

        ~Key()
        {
            mt_key_free(m_key);
        }

        /// Writes the key to `path` with mode 0600; an existing file is kept unless `overwrite`.
        void save(const std::string &path, const bool overwrite = false) const
        {
            Detail::check(mt_key_save(m_key, path.c_str(), overwrite ? 1 : 0), "mt_key_save");
        }

        /// The channel id: the public key as 64 lowercase hex digits.
        std::string publicHex() const
        {
            char *hex = nullptr;
            Detail::check(mt_key_public_hex(&hex, m_key), "mt_key_public_hex");
            return Detail::adopt(hex);
        }

        /// Signs unsigned manifest JSON with `sequence` (and `timestampMs`, 0: now); returns canonical JSON.
        std::string sign(const std::string &unsignedJson, const std::uint64_t sequence, const std::uint64_t timestampMs = 0) const
        {
            mt_sign_options options = MT_SIGN_OPTIONS_INIT;
            options.sequence = sequence;
            options.timestamp_ms = timestampMs;
            char *json = nullptr;
            mt_manifest_status status = MT_MANIFEST_VALID;
            const int code = mt_manifest_sign(&json, &status, m_key, unsignedJson.data(), unsignedJson.size(), &options);
            Detail::check(code, "mt_manifest_sign");
            return Detail::adopt(json);
        }

        /// The C handle, for calls this header does not wrap. Still owned by this Key.
        const mt_key *handle() const noexcept
        {
            return m_key;
        }

    private:
        explicit Key(mt_key *key) noexcept
            : m_key {key}
        {
        }

        mt_key *m_key = nullptr;
    };

    /// What mt_manifest_verify says of a manifest.
    struct Verification
    {
        mt_manifest_status status = MT_MANIFEST_VALID;  ///< MT_MANIFEST_VALID or the reason it was refused
        std::string channel;                           ///< the signer (valid manifests only)
        std::uint64_t sequence = 0;
        std::uint64_t timestampMs = 0;
        std::uint32_t collections = 0;
        std::uint32_t items = 0;

        /// True for a valid manifest.
        bool isValid() const noexcept
        {
            return status == MT_MANIFEST_VALID;
        }
    };

    /// Verifies a signed manifest; `expectedChannel` (empty: any) must then be its signer. Throws only for bad arguments.
    inline Verification verifyManifest(const std::string &json, const std::string &expectedChannel = {})
    {
        Verification result;
        mt_manifest_info info = MT_MANIFEST_INFO_INIT;
        const int code = mt_manifest_verify(&result.status, &info, json.data(), json.size()
            , expectedChannel.empty() ? nullptr : expectedChannel.c_str());
        if (code == MT_EMANIFEST)
            return result;
        Detail::check(code, "mt_manifest_verify");
        result.channel = info.channel;
        result.sequence = info.sequence;
        result.timestampMs = info.timestamp_ms;
        result.collections = info.collections;
        result.items = info.items;
        return result;
    }

    /// A node event (mt_event) copied out of the callback, so it may be kept and moved across threads.
    struct Event
    {
        mt_event_kind kind = MT_EVENT_UPDATED;
        std::string channel;  ///< 64 hex digits; empty when a refused manifest's key was unreadable
        std::uint64_t sequence = 0;
        std::uint64_t previous = 0;
        std::string json;     ///< the manifest (UPDATED, EQUIVOCATION)
        std::string source;   ///< "local", "dht", a tracker URL, "peer ..."
        mt_manifest_status status = MT_MANIFEST_VALID;
    };

    /// Options of Node::attachSession (mt_dht_options); zero takes the library's default.
    struct DHTOptions
    {
        unsigned int resolveIntervalSeconds = 0;
        unsigned int resolveTimeoutSeconds = 0;
        unsigned int republishIntervalSeconds = 0;
        std::string storeDir;  ///< empty: "channels" in the state folder
    };

    /// A Megatorrent node (mt_node): the state folder and the subscription engine. Thread-safe.
    class Node
    {
    public:
        /// The handler of events; it runs on a library thread, never on the caller's.
        using EventHandler = std::function<void (const Event &event)>;

        /// Opens (creating when needed) the node's state folder; empty: $MEGATORRENT_HOME or the XDG data folder.
        explicit Node(const std::string &stateDir = {})
        {
            mt_node_options options = MT_NODE_OPTIONS_INIT;
            options.state_dir = stateDir.empty() ? nullptr : stateDir.c_str();
            Detail::check(mt_node_new(&m_node, &options), "mt_node_new");
        }

        Node(const Node &) = delete;
        Node &operator=(const Node &) = delete;
        Node(Node &&) = delete;
        Node &operator=(Node &&) = delete;

        /// Detaches a host session if any, stops events and releases the node. Not from inside an event handler.
        ~Node()
        {
            mt_node_set_event_callback(m_node, nullptr, nullptr);
            mt_node_detach_session(m_node);
            mt_node_free(m_node);
        }

        /// Follows a channel (64 hex digits or magnet:?xs=urn:btpk:...), kept across restarts.
        void subscribe(const std::string &channel)
        {
            Detail::check(mt_node_subscribe(m_node, channel.c_str()), "mt_node_subscribe");
        }

        /// Stops following a channel; not following it is not an error.
        void unsubscribe(const std::string &channel)
        {
            Detail::check(mt_node_unsubscribe(m_node, channel.c_str()), "mt_node_unsubscribe");
        }

        /// The followed channels, 64 hex digits each.
        std::vector<std::string> subscriptions() const
        {
            char **channels = nullptr;
            std::size_t count = 0;
            Detail::check(mt_node_subscriptions(&channels, &count, m_node), "mt_node_subscriptions");
            std::vector<std::string> result;
            result.reserve(count);
            for (std::size_t i = 0; i < count; ++i)
                result.emplace_back(channels[i]);
            mt_string_array_free(channels, count);
            return result;
        }

        /// The newest manifest held for a channel, or nothing when none is held.
        std::optional<std::string> latestManifest(const std::string &channel) const
        {
            char *json = nullptr;
            const int code = mt_node_latest_manifest(&json, m_node, channel.c_str());
            if (code == MT_ENOTFOUND)
                return std::nullopt;
            Detail::check(code, "mt_node_latest_manifest");
            return Detail::adopt(json);
        }

        /// Hands the node a manifest from a source of the caller's; returns what became of it.
        mt_offer_outcome offer(const std::string &json, const std::string &source = "local")
        {
            mt_offer_outcome outcome = MT_OFFER_INVALID;
            Detail::check(mt_node_offer_manifest(&outcome, m_node, json.data(), json.size(), source.c_str())
                , "mt_node_offer_manifest");
            return outcome;
        }

        /// Sets (or with an empty handler clears) the event handler. After it returns the previous one is not called again.
        void setEventHandler(EventHandler handler)
        {
            std::lock_guard<std::mutex> lock {m_handlerMutex};
            std::unique_ptr<EventHandler> next = handler ? std::make_unique<EventHandler>(std::move(handler)) : nullptr;
            Detail::check(mt_node_set_event_callback(m_node, next ? &Node::dispatch : nullptr, next.get())
                , "mt_node_set_event_callback");
            m_handler = std::move(next);  // the previous handler is no longer called: safe to release
        }

        /// Host mode: borrows the host's `lt::session *` (it must outlive the node or detachSession()).
        void attachSession(void *ltSession, const DHTOptions &options = {})
        {
            mt_dht_options dht = MT_DHT_OPTIONS_INIT;
            dht.resolve_interval_s = options.resolveIntervalSeconds;
            dht.resolve_timeout_s = options.resolveTimeoutSeconds;
            dht.republish_interval_s = options.republishIntervalSeconds;
            dht.store_dir = options.storeDir.empty() ? nullptr : options.storeDir.c_str();
            Detail::check(mt_node_attach_session(m_node, ltSession, &dht), "mt_node_attach_session");
        }

        /// Passes one popped `lt::alert const *`; cheap, never blocks, never throws. False without a session.
        bool forwardAlert(const void *ltAlert) noexcept
        {
            return mt_node_forward_alert(m_node, ltAlert) == MT_OK;
        }

        /// Stops the DHT duties and lets the host's session go. Not from the thread that forwards alerts.
        void detachSession()
        {
            Detail::check(mt_node_detach_session(m_node), "mt_node_detach_session");
        }

        /// Publishes a signed manifest on the DHT; blocks up to about 60 s; returns how many nodes answered the put.
        int publishDHT(const Key &key, const std::string &json)
        {
            int answers = 0;
            Detail::check(mt_node_publish_dht(&answers, m_node, key.handle(), json.data(), json.size()), "mt_node_publish_dht");
            return answers;
        }

        /// Resolves a channel on the DHT now (blocking up to `timeoutMs`, 0: the attach default); nothing if no pointer.
        std::optional<std::string> resolveDHT(const std::string &channel, const unsigned int timeoutMs = 0)
        {
            char *json = nullptr;
            const int code = mt_node_resolve_dht(&json, m_node, channel.c_str(), timeoutMs);
            if (code == MT_ENOTFOUND)
                return std::nullopt;
            Detail::check(code, "mt_node_resolve_dht");
            return Detail::adopt(json);
        }

        /// The C handle, for calls this header does not wrap. Still owned by this Node.
        mt_node *handle() const noexcept
        {
            return m_node;
        }

    private:
        static void dispatch(const mt_event *event, void *payload)
        {
            Event copy;
            copy.kind = event->kind;
            copy.channel = event->channel ? event->channel : "";
            copy.sequence = event->sequence;
            copy.previous = event->previous;
            if (event->json)
                copy.json.assign(event->json, event->json_length);
            copy.source = event->source ? event->source : "";
            copy.status = event->status;
            try
            {
                (*static_cast<EventHandler *>(payload))(copy);
            }
            catch (...)
            {
                // Nothing may cross back into the library.
            }
        }

        mt_node *m_node = nullptr;
        std::mutex m_handlerMutex;
        std::unique_ptr<EventHandler> m_handler;
    };
}
