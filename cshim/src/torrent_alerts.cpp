// torrent_alerts.cpp: libtorrent's torrent alerts copied into plain C structs (the MTLT_ALERT_TORRENT_*
// kinds), one state_update alert becoming one MTLT_ALERT_TORRENT_PROGRESS per torrent, and host
// mode's filter (only the torrents added through the attached session).

#include "session_object.hpp"

#include <cstring>

#include <libtorrent/alert_types.hpp>

lt::sha1_hash mtlt::torrent_key(lt::info_hash_t const &hashes)
{
    return hashes.has_v1() ? hashes.v1 : hashes.get_best();
}

int mtlt::torrent_state(lt::torrent_status::state_t state)
{
    switch (state)
    {
    case lt::torrent_status::downloading_metadata:
        return MTLT_TORRENT_STATE_DOWNLOADING_METADATA;
    case lt::torrent_status::downloading:
        return MTLT_TORRENT_STATE_DOWNLOADING;
    case lt::torrent_status::finished:
        return MTLT_TORRENT_STATE_FINISHED;
    case lt::torrent_status::seeding:
        return MTLT_TORRENT_STATE_SEEDING;
    default:
        // checking_files, checking_resume_data and the deprecated queued/allocating states.
        return MTLT_TORRENT_STATE_CHECKING;
    }
}

int mtlt::torrent_state(lt::torrent_status const &status)
{
    return status.errc ? MTLT_TORRENT_STATE_ERROR : torrent_state(status.state);
}

namespace
{
// The kind of a torrent alert and its torrent's key; kind 0 for alerts that are none of them.
struct torrent_alert_kind
{
    int kind = 0;
    lt::sha1_hash key;
};

lt::sha1_hash key_of(lt::torrent_alert const &alert)
{
    return mtlt::torrent_key(alert.handle.info_hashes());
}

torrent_alert_kind classify(lt::alert const &alert)
{
    if (auto *a = lt::alert_cast<lt::add_torrent_alert>(&alert))
    {
        // For a .torrent, params.info_hashes may be empty: the hashes are the torrent_info's.
        return {MTLT_ALERT_TORRENT_ADDED, mtlt::torrent_key(a->params.ti ? a->params.ti->info_hashes()
                                                                          : a->params.info_hashes)};
    }
    if (auto *a = lt::alert_cast<lt::metadata_received_alert>(&alert))
        return {MTLT_ALERT_TORRENT_METADATA, key_of(*a)};
    if (auto *a = lt::alert_cast<lt::torrent_finished_alert>(&alert))
        return {MTLT_ALERT_TORRENT_FINISHED, key_of(*a)};
    if (auto *a = lt::alert_cast<lt::state_changed_alert>(&alert))
        return {MTLT_ALERT_TORRENT_STATE_CHANGED, key_of(*a)};
    if (auto *a = lt::alert_cast<lt::torrent_error_alert>(&alert))
        return {MTLT_ALERT_TORRENT_ERROR, key_of(*a)};
    // The torrent is gone: its handle no longer knows the hashes, the alert does.
    if (auto *a = lt::alert_cast<lt::torrent_removed_alert>(&alert))
        return {MTLT_ALERT_TORRENT_REMOVED, mtlt::torrent_key(a->info_hashes)};
    if (auto *a = lt::alert_cast<lt::torrent_deleted_alert>(&alert))
        return {MTLT_ALERT_TORRENT_FILES_DELETED, mtlt::torrent_key(a->info_hashes)};
    if (auto *a = lt::alert_cast<lt::torrent_delete_failed_alert>(&alert))
        return {MTLT_ALERT_TORRENT_FILES_DELETED, mtlt::torrent_key(a->info_hashes)};
    return {};
}

// Host mode: forgets a torrent once its last alert has passed (removed without deleting files, or
// its files deleted).
void forget_if_gone(mtlt_session &session, int kind, lt::sha1_hash const &key)
{
    if (!session.attached() || (kind != MTLT_ALERT_TORRENT_REMOVED && kind != MTLT_ALERT_TORRENT_FILES_DELETED))
    {
        return;
    }
    std::lock_guard<std::mutex> lock(session.torrents_mutex);
    auto found = session.torrents.find(key);
    if (found != session.torrents.end() && (kind == MTLT_ALERT_TORRENT_FILES_DELETED || !found->second))
    {
        session.torrents.erase(found);
    }
}

void fill(mtlt::alert_copy &copy, lt::alert const &alert, int kind, lt::sha1_hash const &key)
{
    mtlt_alert &c = copy.c;
    c = mtlt_alert{};
    c.kind = kind;
    c.lt_type = alert.type();
    c.lt_name = alert.what();
    std::memcpy(c.info_hash, key.data(), sizeof c.info_hash);
}

void append_progress(mtlt_session &session, lt::state_update_alert const &alert,
                     std::vector<mtlt::alert_copy> &out)
{
    std::string message;
    for (lt::torrent_status const &status : alert.status)
    {
        const lt::sha1_hash key = mtlt::torrent_key(status.info_hashes);
        if (!session.keeps_torrent(key))
        {
            continue;
        }
        if (message.empty())
        {
            message = alert.message();
        }
        mtlt::alert_copy copy;
        fill(copy, alert, MTLT_ALERT_TORRENT_PROGRESS, key);
        copy.message = message;
        mtlt_alert &c = copy.c;
        c.torrent_state = mtlt::torrent_state(status);
        c.total_done = status.total_wanted_done;
        c.total_wanted = status.total_wanted;
        c.progress_ppm = status.progress_ppm;
        c.num_peers = status.num_peers;
        c.num_seeds = status.num_seeds;
        c.download_rate = status.download_payload_rate;
        c.upload_rate = status.upload_payload_rate;
        out.push_back(std::move(copy));
    }
}
} // namespace

bool mtlt::append_torrent_alert(mtlt_session &session, lt::alert const &alert, std::vector<alert_copy> &out)
{
    if (auto *a = lt::alert_cast<lt::state_update_alert>(&alert))
    {
        append_progress(session, *a, out);
        return true;
    }
    const torrent_alert_kind found = classify(alert);
    if (found.kind == 0)
    {
        return false;
    }
    if (!session.keeps_torrent(found.key))
    {
        return true; // host mode: one of the host's own torrents
    }
    alert_copy copy;
    fill(copy, alert, found.kind, found.key);
    copy.message = alert.message();
    mtlt_alert &c = copy.c;
    if (auto *a = lt::alert_cast<lt::add_torrent_alert>(&alert))
        c.error_code = a->error.value();
    else if (auto *a = lt::alert_cast<lt::state_changed_alert>(&alert))
        c.torrent_state = torrent_state(a->state);
    else if (auto *a = lt::alert_cast<lt::torrent_error_alert>(&alert))
        c.error_code = a->error.value();
    else if (auto *a = lt::alert_cast<lt::torrent_delete_failed_alert>(&alert))
        c.error_code = a->error.value();
    out.push_back(std::move(copy));
    forget_if_gone(session, found.kind, found.key);
    return true;
}
