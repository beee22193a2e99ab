// torrent_params.hpp: what torrents.cpp and torrent_params.cpp share: mtlt_add_torrent_params turned
// into libtorrent's params, and small helpers. Not part of the C surface.
#pragma once

#include "session_object.hpp"

#include <string>

#include <libtorrent/add_torrent_params.hpp>
#include <libtorrent/socket.hpp>

namespace mtlt
{
// Checks `p` (version, flags, reserved, exactly one source, save path, peers) and fills `atp`: the
// source, the save path, the flags, and the peers to connect to. MTLT_OK, or MTLT_EINVAL /
// MTLT_EBADTORRENT through fail() naming `function`.
int build_add_params(const char *function, const mtlt_add_torrent_params &p, lt::add_torrent_params &atp);

// An IP address literal `host` and `port` 1...65535 as an endpoint; never a host name (no DNS).
// `whole` names the peer in messages.
int make_endpoint(const char *function, const std::string &host, long port, const char *whole,
                  lt::tcp::endpoint &out);

// 40 lowercase hex digits, for messages.
std::string hex(lt::sha1_hash const &hash);

// The 20 bytes as libtorrent's hash type.
lt::sha1_hash to_hash(const uint8_t bytes[20]);
} // namespace mtlt
