// torrents.cpp: torrents in a session (mtlt_torrent_*): add by .torrent bytes, magnet URI or bare
// info-hash, status, peers, remove, list, and the state-update trigger. Creating a .torrent is in
// torrent_create.cpp, the params' checks in torrent_params.cpp, torrent alerts in torrent_alerts.cpp.

#include "torrent_params.hpp"

#include <cstring>
#include <string>

#include <libtorrent/error_code.hpp>
#include <libtorrent/torrent_flags.hpp>
#include <libtorrent/torrent_handle.hpp>
#include <libtorrent/torrent_info.hpp>

using mtlt::hex;
using mtlt::to_hash;

namespace
{
// The torrent `info_hash` names, or MTLT_ENOTORRENT. Host mode: only the torrents added through
// this handle; the host's own are the host's business.
int find(const char *function, mtlt_session &s, const uint8_t info_hash[20], lt::torrent_handle &out)
{
    const lt::sha1_hash key = to_hash(info_hash);
    if (!s.keeps_torrent(key))
    {
        return mtlt::fail(MTLT_ENOTORRENT,
                          "%s: no torrent with info-hash %s was added through this attached session (the host's "
                          "own torrents are not reachable here)",
                          function, hex(key).c_str());
    }
    out = s.handle->find_torrent(key);
    if (!out.is_valid())
    {
        return mtlt::fail(MTLT_ENOTORRENT, "%s: no torrent with info-hash %s in the session", function,
                          hex(key).c_str());
    }
    return MTLT_OK;
}

// Runs `call` on a torrent handle; a torrent removed meanwhile gives MTLT_ENOTORRENT.
template <class Call>
int on_torrent(const char *function, const uint8_t info_hash[20], Call &&call)
{
    try
    {
        return call();
    }
    catch (const lt::system_error &e)
    {
        if (e.code() == lt::errors::invalid_torrent_handle)
        {
            return mtlt::fail(MTLT_ENOTORRENT, "%s: the torrent %s was removed during the call", function,
                              hex(to_hash(info_hash)).c_str());
        }
        throw;
    }
}

int check_torrent_call(const char *function, mtlt_session *s, const uint8_t info_hash[20])
{
    if (int rc = mtlt::check_session(function, s))
    {
        return rc;
    }
    return info_hash == nullptr ? mtlt::fail(MTLT_EINVAL, "%s: info_hash is NULL", function) : MTLT_OK;
}

// Host mode: the torrents added through the handle (alerts kept, list). Returns whether `key` was
// new, so a failed add can forget it again.
bool track(mtlt_session &s, lt::sha1_hash const &key)
{
    if (!s.attached())
    {
        return false;
    }
    std::lock_guard<std::mutex> lock(s.torrents_mutex);
    return s.torrents.emplace(key, false).second;
}

void untrack(mtlt_session &s, lt::sha1_hash const &key)
{
    std::lock_guard<std::mutex> lock(s.torrents_mutex);
    s.torrents.erase(key);
}
} // namespace

int mtlt_add_torrent_params_init(mtlt_add_torrent_params *out, int version) noexcept
{
    if (out == nullptr)
    {
        return mtlt::fail(MTLT_EINVAL, "mtlt_add_torrent_params_init: out is NULL");
    }
    if (version != MTLT_ADD_TORRENT_PARAMS_VERSION)
    {
        return mtlt::fail(MTLT_EINVAL, "mtlt_add_torrent_params_init: version %d requested but this library knows %d",
                          version, MTLT_ADD_TORRENT_PARAMS_VERSION);
    }
    const mtlt_add_torrent_params defaults = MTLT_ADD_TORRENT_PARAMS_INIT;
    *out = defaults;
    return MTLT_OK;
}

namespace
{
bool is_udp_tracker(std::string const &url)
{
    return url.size() >= 6 && std::equal(url.begin(), url.begin() + 6, "udp://", [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(a)) == b;
           });
}

// Safe mode: libtorrent 2.0 has no switch for UDP trackers (they would go through SOCKS5 UDP
// ASSOCIATE, or straight out where the proxy refuses UDP), so they are removed from the torrent's
// tracker list and from the magnet's before the add.
void drop_udp_trackers(lt::add_torrent_params &atp)
{
    std::vector<std::string> trackers;
    std::vector<int> tiers;
    for (size_t i = 0; i < atp.trackers.size(); ++i)
    {
        if (!is_udp_tracker(atp.trackers[i]))
        {
            trackers.push_back(atp.trackers[i]);
            tiers.push_back(i < atp.tracker_tiers.size() ? atp.tracker_tiers[i] : 0);
        }
    }
    atp.trackers = std::move(trackers);
    atp.tracker_tiers = std::move(tiers);
    if (atp.ti)
    {
        auto copy = std::make_shared<lt::torrent_info>(*atp.ti);
        std::vector<lt::announce_entry> kept;
        for (lt::announce_entry const &entry : copy->trackers())
        {
            if (!is_udp_tracker(entry.url))
                kept.push_back(entry);
        }
        copy->clear_trackers();
        for (lt::announce_entry const &entry : kept)
        {
            copy->add_tracker(entry.url, entry.tier);
        }
        atp.ti = std::move(copy);
    }
}
} // namespace

int mtlt_torrent_add(mtlt_session *s, const mtlt_add_torrent_params *p, uint8_t out_info_hash[20]) noexcept
{
    constexpr const char *function = "mtlt_torrent_add";
    return mtlt::guarded(function, [&]() -> int {
        if (int rc = mtlt::check_session(function, s))
        {
            return rc;
        }
        if (p == nullptr || out_info_hash == nullptr)
        {
            return mtlt::fail(MTLT_EINVAL, "%s: %s is NULL", function, p == nullptr ? "params" : "out_info_hash");
        }
        lt::add_torrent_params atp;
        if (int rc = mtlt::build_add_params(function, *p, atp))
        {
            return rc;
        }
        if (s->safe_mode)
        {
            drop_udp_trackers(atp);
        }
        const lt::sha1_hash key = mtlt::torrent_key(atp.ti ? atp.ti->info_hashes() : atp.info_hashes);
        // Before the add: the host may forward the added alert before add_torrent returns here.
        const bool tracked_now = track(*s, key);
        lt::error_code ec;
        s->handle->add_torrent(std::move(atp), ec);
        if (ec)
        {
            if (tracked_now)
            {
                untrack(*s, key);
            }
            if (ec == lt::errors::duplicate_torrent)
            {
                return mtlt::fail(MTLT_EDUPLICATE, "%s: the session already has a torrent with info-hash %s%s",
                                  function, hex(key).c_str(),
                                  s->attached() && tracked_now ? " (one of the host's own)" : "");
            }
            return mtlt::fail(MTLT_ELIBTORRENT, "%s: libtorrent refused the torrent %s: %s", function,
                              hex(key).c_str(), ec.message().c_str());
        }
        std::memcpy(out_info_hash, key.data(), 20);
        return MTLT_OK;
    });
}

int mtlt_torrent_get_status(mtlt_session *s, const uint8_t info_hash[20], mtlt_torrent_status *out) noexcept
{
    constexpr const char *function = "mtlt_torrent_get_status";
    return mtlt::guarded(function, [&]() -> int {
        if (int rc = check_torrent_call(function, s, info_hash))
        {
            return rc;
        }
        if (out == nullptr)
        {
            return mtlt::fail(MTLT_EINVAL, "%s: out is NULL", function);
        }
        if (out->version != MTLT_TORRENT_STATUS_VERSION)
        {
            return mtlt::fail(MTLT_EINVAL, "%s: out->version is %d; set it to MTLT_TORRENT_STATUS_VERSION (%d)",
                              function, out->version, MTLT_TORRENT_STATUS_VERSION);
        }
        lt::torrent_handle handle;
        if (int rc = find(function, *s, info_hash, handle))
        {
            return rc;
        }
        lt::torrent_status status;
        if (int rc = on_torrent(function, info_hash, [&] {
                status = handle.status(lt::torrent_handle::query_name | lt::torrent_handle::query_save_path);
                return MTLT_OK;
            }))
        {
            return rc;
        }
        // The strings live in the calling thread's storage until its next call (header).
        thread_local std::string name;
        thread_local std::string save_path;
        thread_local std::string error;
        name = status.name;
        save_path = status.save_path;
        error = status.errc ? status.errc.message() : std::string();
        mtlt_torrent_status result{};
        result.version = MTLT_TORRENT_STATUS_VERSION;
        result.state = mtlt::torrent_state(status);
        std::memcpy(result.info_hash, mtlt::torrent_key(status.info_hashes).data(), 20);
        result.has_metadata = status.has_metadata ? 1 : 0;
        result.is_paused = (status.flags & lt::torrent_flags::paused) ? 1 : 0;
        result.progress = status.progress;
        result.total_done = status.total_wanted_done;
        result.total_wanted = status.total_wanted;
        result.total_download = status.total_payload_download;
        result.total_upload = status.total_payload_upload;
        result.num_peers = status.num_peers;
        result.num_seeds = status.num_seeds;
        result.download_rate = status.download_payload_rate;
        result.upload_rate = status.upload_payload_rate;
        result.error_code = status.errc.value();
        result.name = name.c_str();
        result.save_path = save_path.c_str();
        result.error = error.c_str();
        *out = result;
        return MTLT_OK;
    });
}

int mtlt_torrent_remove(mtlt_session *s, const uint8_t info_hash[20], int delete_files) noexcept
{
    constexpr const char *function = "mtlt_torrent_remove";
    return mtlt::guarded(function, [&]() -> int {
        if (int rc = check_torrent_call(function, s, info_hash))
        {
            return rc;
        }
        if (delete_files != 0 && delete_files != 1)
        {
            return mtlt::fail(MTLT_EINVAL, "%s: delete_files is %d; it must be 0 or 1", function, delete_files);
        }
        lt::torrent_handle handle;
        if (int rc = find(function, *s, info_hash, handle))
        {
            return rc;
        }
        if (s->attached() && delete_files == 1)
        {
            // Keep its alerts until the files-deleted one (torrent_alerts.cpp forgets it then).
            std::lock_guard<std::mutex> lock(s->torrents_mutex);
            auto found = s->torrents.find(to_hash(info_hash));
            if (found != s->torrents.end())
            {
                found->second = true;
            }
        }
        s->handle->remove_torrent(handle, delete_files == 1 ? lt::session_handle::delete_files : lt::remove_flags_t{});
        return MTLT_OK;
    });
}

int mtlt_torrent_connect_peer(mtlt_session *s, const uint8_t info_hash[20], const char *host, int port) noexcept
{
    constexpr const char *function = "mtlt_torrent_connect_peer";
    return mtlt::guarded(function, [&]() -> int {
        if (int rc = check_torrent_call(function, s, info_hash))
        {
            return rc;
        }
        if (host == nullptr)
        {
            return mtlt::fail(MTLT_EINVAL, "%s: host is NULL", function);
        }
        lt::tcp::endpoint peer;
        if (int rc = mtlt::make_endpoint(function, host, port, host, peer))
        {
            return rc;
        }
        lt::torrent_handle handle;
        if (int rc = find(function, *s, info_hash, handle))
        {
            return rc;
        }
        return on_torrent(function, info_hash, [&] {
            handle.connect_peer(peer);
            return MTLT_OK;
        });
    });
}

int mtlt_torrent_list(mtlt_session *s, uint8_t **out, size_t *out_count) noexcept
{
    constexpr const char *function = "mtlt_torrent_list";
    return mtlt::guarded(function, [&]() -> int {
        if (int rc = mtlt::check_session(function, s))
        {
            return rc;
        }
        if (out == nullptr || out_count == nullptr)
        {
            return mtlt::fail(MTLT_EINVAL, "%s: %s is NULL", function, out == nullptr ? "out" : "out_count");
        }
        std::string keys;
        for (lt::torrent_handle const &handle : s->handle->get_torrents())
        {
            const lt::sha1_hash key = mtlt::torrent_key(handle.info_hashes());
            if (!key.is_all_zeros() && s->keeps_torrent(key))
            {
                keys.append(key.data(), key.size());
            }
        }
        if (keys.empty())
        {
            *out = nullptr;
            *out_count = 0;
            return MTLT_OK;
        }
        if (int rc = mtlt::copy_out(function, keys.data(), keys.size(), out))
        {
            return rc;
        }
        *out_count = keys.size() / 20;
        return MTLT_OK;
    });
}

int mtlt_session_post_torrent_updates(mtlt_session *s) noexcept
{
    constexpr const char *function = "mtlt_session_post_torrent_updates";
    return mtlt::guarded(function, [&]() -> int {
        if (int rc = mtlt::check_session(function, s))
        {
            return rc;
        }
        // libtorrent's default fields (all), as qBittorrent asks for them: in host mode the host
        // reads this state_update alert too and must not see fields missing.
        s->handle->post_torrent_updates();
        return MTLT_OK;
    });
}
