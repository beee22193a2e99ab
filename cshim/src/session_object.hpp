// session_object.hpp: the object behind the opaque mtlt_session handle, shared by the .cpp files
// that implement its functions (session.cpp, dht_state.cpp, dht_items.cpp, alerts.cpp,
// torrent_alerts.cpp, torrents.cpp, torrent_params.cpp, host.cpp). Includes libtorrent; include abi_config.hpp first
// (this file does).
#pragma once

#include "abi_config.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <libtorrent/alert.hpp>
#include <libtorrent/info_hash.hpp>
#include <libtorrent/kademlia/dht_state.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/torrent_status.hpp>

#include "internal.hpp"

namespace mtlt
{
// One alert copied out of libtorrent: the C struct and the storage its pointers will point into.
// The pointers stay NULL while the copy sits in a vector that may still grow; publish() sets them
// once the storage is final (see mtlt_session_pop_alerts).
struct alert_copy
{
    mtlt_alert c{};
    std::string message;
    std::string salt;
    std::string value;
    std::string address;

    // Points c's text and byte fields at the strings above.
    mtlt_alert const &publish();
};

// The 20-byte name of a torrent in the C API: the v1 info-hash, else the truncated v2 hash.
lt::sha1_hash torrent_key(lt::info_hash_t const &hashes);

// MTLT_TORRENT_STATE_* for libtorrent's state (no error), and for a whole status (ERROR when it
// has one).
int torrent_state(lt::torrent_status::state_t state);
int torrent_state(lt::torrent_status const &status);

// Appends the copies of `alert` to `out`: none (a kind host mode does not keep), one, or one per
// torrent (a state_update alert). Host mode (session.attached()) skips MTLT_ALERT_OTHER kinds
// without formatting their message, and torrent alerts of torrents not added through `session`:
// it receives every alert of qBittorrent's session.
void append_alert(mtlt_session &session, lt::alert const &alert, std::vector<alert_copy> &out);

// Copies one DHT or listen alert into `out`; false when the alert is none of those kinds.
bool copy_session_alert(lt::alert const &alert, alert_copy &out);

// Appends the torrent alert copies of `alert` (torrent_alerts.cpp); false when it is no torrent
// alert the shim names. Host mode filters by the torrents `session` added.
bool append_torrent_alert(mtlt_session &session, lt::alert const &alert, std::vector<alert_copy> &out);

// The alert mask every session needs for the kinds of mtlt_alert.
lt::alert_category_t required_alert_mask();
} // namespace mtlt

// Owned mode: `owned` holds the session and `handle` points at it. Host mode (mtlt_session_attach):
// `owned` is empty and `handle` is the host's session, borrowed. Destroying an owned one shuts its
// lt::session down (see session.cpp), so every path that drops a half-made one cleans up too.
struct mtlt_session
{
    std::unique_ptr<lt::session> owned;
    lt::session_handle *handle = nullptr;
    // Safe mode (mtlt_session_settings.safe_mode): udp:// trackers are dropped from added torrents.
    bool safe_mode = false;

    // Alerts waiting for the next pop: the start-up listen alerts (owned) or the forwarded ones (host).
    std::mutex queue_mutex;
    std::vector<mtlt::alert_copy> queued;

    // The last pop's alerts: the storage behind the array mtlt_session_pop_alerts returned.
    std::mutex pop_mutex;
    std::vector<mtlt::alert_copy> popped;
    std::vector<mtlt_alert> popped_c;

    // The consumer's wake-up hook. Called with notify_mutex held, so replacing it (under the same
    // mutex) guarantees the old one is no longer running or about to run. Never call libtorrent
    // while holding notify_mutex: libtorrent calls wake() with its own alert mutex held.
    std::mutex notify_mutex;
    void (*notify)(void *) = nullptr;
    void *notify_payload = nullptr;

    // Host mode: the torrents added through this handle (mtlt_torrent_add), whose alerts are kept,
    // mapped to whether their files are being deleted (then the key stays until the files-deleted
    // alert, which comes after the removed one). Unused in owned mode, where every torrent is ours.
    std::mutex torrents_mutex;
    std::map<lt::sha1_hash, bool> torrents;

    // Whether alerts of the torrent `key` are kept (always in owned mode). Never throws.
    bool keeps_torrent(lt::sha1_hash const &key) noexcept
    {
        if (!attached())
        {
            return true;
        }
        std::lock_guard<std::mutex> lock(torrents_mutex);
        return torrents.count(key) != 0;
    }

    mtlt_session() = default;
    mtlt_session(const mtlt_session &) = delete;
    mtlt_session &operator=(const mtlt_session &) = delete;
    ~mtlt_session();

    bool attached() const
    {
        return !owned;
    }

    // Calls the consumer's hook, if any. Never throws.
    void wake() noexcept
    {
        std::lock_guard<std::mutex> lock(notify_mutex);
        if (notify != nullptr)
        {
            notify(notify_payload);
        }
    }
};

namespace mtlt
{
// Makes and starts an owned session (mtlt_session_new and mtlt_session_new_with_state); `state` may
// be NULL. Runs inside the caller's guarded().
int make_owned_session(const char *function, mtlt_session **out, const mtlt_session_settings *settings,
                       lt::dht::dht_state *state);

// MTLT_OK when `s` is not NULL, else MTLT_EINVAL naming `function`.
int check_session(const char *function, const mtlt_session *s) noexcept;

// MTLT_OK when the session's DHT node runs, else MTLT_ENODHT naming `function`.
int check_dht_running(const char *function, mtlt_session &s);

// Copies `len` bytes into a malloc'd buffer for the caller (released with mtlt_buffer_free); at
// least one byte is allocated so an empty result is not NULL. MTLT_OK or MTLT_ENOMEM naming
// `function`.
int copy_out(const char *function, const void *bytes, size_t len, uint8_t **out);
} // namespace mtlt
