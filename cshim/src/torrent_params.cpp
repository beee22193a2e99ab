// torrent_params.cpp: mtlt_add_torrent_params turned into libtorrent's add_torrent_params (checks,
// the source: .torrent bytes, magnet URI or bare info-hash, peers, flags), and the small helpers
// torrents.cpp shares (hex, endpoints).

#include "torrent_params.hpp"

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include <libtorrent/address.hpp>
#include <libtorrent/error_code.hpp>
#include <libtorrent/magnet_uri.hpp>
#include <libtorrent/torrent_flags.hpp>
#include <libtorrent/torrent_info.hpp>

namespace
{
constexpr uint32_t known_flags = MTLT_TORRENT_SEED_MODE | MTLT_TORRENT_PAUSED | MTLT_TORRENT_UPLOAD_MODE
                               | MTLT_TORRENT_SEQUENTIAL_DOWNLOAD | MTLT_TORRENT_AUTO_MANAGED
                               | MTLT_TORRENT_DISABLE_DHT | MTLT_TORRENT_DISABLE_PEX;
} // namespace

std::string mtlt::hex(lt::sha1_hash const &hash)
{
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (char byte : hash)
    {
        out += digits[(static_cast<unsigned char>(byte) >> 4) & 0xf];
        out += digits[static_cast<unsigned char>(byte) & 0xf];
    }
    return out;
}

lt::sha1_hash mtlt::to_hash(const uint8_t bytes[20])
{
    return lt::sha1_hash(reinterpret_cast<const char *>(bytes));
}

int mtlt::make_endpoint(const char *function, const std::string &host, long port, const char *whole,
                        lt::tcp::endpoint &out)
{
    if (port < 1 || port > 65535)
    {
        return mtlt::fail(MTLT_EINVAL, "%s: peer \"%.200s\": port %ld is not in 1...65535", function, whole, port);
    }
    lt::error_code ec;
    const lt::address address = lt::make_address(host, ec);
    if (ec)
    {
        return mtlt::fail(MTLT_EINVAL,
                          "%s: peer \"%.200s\": \"%.100s\" is not an IP address (host names are not resolved: "
                          "that would leak through DNS)",
                          function, whole, host.c_str());
    }
    out = lt::tcp::endpoint(address, static_cast<unsigned short>(port));
    return MTLT_OK;
}

namespace
{
// "IPv4:PORT" or "[IPv6]:PORT".
int parse_peer(const char *function, const char *text, lt::tcp::endpoint &out)
{
    const std::string whole(text);
    std::string host;
    std::string port;
    if (!whole.empty() && whole[0] == '[')
    {
        const size_t close = whole.find(']');
        if (close == std::string::npos || close + 1 >= whole.size() || whole[close + 1] != ':')
        {
            return mtlt::fail(MTLT_EINVAL, "%s: peer \"%.200s\" is not [IPv6]:PORT", function, text);
        }
        host = whole.substr(1, close - 1);
        port = whole.substr(close + 2);
    }
    else
    {
        const size_t colon = whole.rfind(':');
        if (colon == std::string::npos || whole.find(':') != colon)
        {
            return mtlt::fail(MTLT_EINVAL, "%s: peer \"%.200s\" is not IPv4:PORT or [IPv6]:PORT", function, text);
        }
        host = whole.substr(0, colon);
        port = whole.substr(colon + 1);
    }
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos)
    {
        return mtlt::fail(MTLT_EINVAL, "%s: peer \"%.200s\" has no decimal port", function, text);
    }
    return mtlt::make_endpoint(function, host, std::stol(port), text, out);
}

int check_params(const char *function, const mtlt_add_torrent_params &p)
{
    if (p.version != MTLT_ADD_TORRENT_PARAMS_VERSION)
    {
        return mtlt::fail(MTLT_EINVAL,
                          "%s: mtlt_add_torrent_params.version is %d but this library knows version %d (start from "
                          "MTLT_ADD_TORRENT_PARAMS_INIT or mtlt_add_torrent_params_init)",
                          function, p.version, MTLT_ADD_TORRENT_PARAMS_VERSION);
    }
    if ((p.flags & ~known_flags) != 0)
    {
        return mtlt::fail(MTLT_EINVAL, "%s: unknown flag bits 0x%x", function, p.flags & ~known_flags);
    }
    for (int i = 0; i < int(sizeof p.reserved / sizeof p.reserved[0]); ++i)
    {
        if (p.reserved[i] != 0)
        {
            return mtlt::fail(MTLT_EINVAL, "%s: mtlt_add_torrent_params.reserved[%d] is not zero", function, i);
        }
    }
    const int sources = (p.torrent_file != nullptr || p.torrent_file_len != 0 ? 1 : 0)
                      + (p.magnet_uri != nullptr ? 1 : 0) + (p.has_info_hash != 0 ? 1 : 0);
    if (sources != 1)
    {
        return mtlt::fail(MTLT_EINVAL,
                          "%s: %d sources given; set exactly one of torrent_file, magnet_uri and info_hash "
                          "(has_info_hash)",
                          function, sources);
    }
    if (p.has_info_hash != 0 && p.has_info_hash != 1)
    {
        return mtlt::fail(MTLT_EINVAL, "%s: has_info_hash is %d; it must be 0 or 1", function, p.has_info_hash);
    }
    if (p.torrent_file == nullptr && p.torrent_file_len != 0)
    {
        return mtlt::fail(MTLT_EINVAL, "%s: torrent_file is NULL but torrent_file_len is %zu", function,
                          p.torrent_file_len);
    }
    if ((p.flags & MTLT_TORRENT_SEED_MODE) != 0 && p.torrent_file == nullptr)
    {
        return mtlt::fail(MTLT_EINVAL,
                          "%s: MTLT_TORRENT_SEED_MODE needs torrent_file (a magnet or info-hash has no piece hashes "
                          "to trust the data with)",
                          function);
    }
    if (p.save_path == nullptr || p.save_path[0] == '\0')
    {
        return mtlt::fail(MTLT_EINVAL, "%s: save_path is %s", function, p.save_path == nullptr ? "NULL" : "empty");
    }
    if (p.peers == nullptr && p.peer_count != 0)
    {
        return mtlt::fail(MTLT_EINVAL, "%s: peers is NULL but peer_count is %zu", function, p.peer_count);
    }
    return MTLT_OK;
}

// The source part of libtorrent's params: a torrent_info, a parsed magnet, or a bare info-hash.
int read_source(const char *function, const mtlt_add_torrent_params &p, lt::add_torrent_params &atp)
{
    lt::error_code ec;
    if (p.torrent_file != nullptr)
    {
        if (p.torrent_file_len == 0 || p.torrent_file_len > MTLT_TORRENT_FILE_MAX_SIZE)
        {
            return mtlt::fail(MTLT_EBADTORRENT, "%s: a .torrent of %zu bytes is not a torrent (1...%d bytes)",
                              function, p.torrent_file_len, MTLT_TORRENT_FILE_MAX_SIZE);
        }
        const lt::span<char const> bytes(reinterpret_cast<const char *>(p.torrent_file),
                                         static_cast<std::ptrdiff_t>(p.torrent_file_len));
        auto info = std::make_shared<lt::torrent_info>(bytes, ec, lt::from_span);
        if (ec)
        {
            return mtlt::fail(MTLT_EBADTORRENT, "%s: not a valid .torrent file: %s", function, ec.message().c_str());
        }
        atp.ti = std::move(info);
    }
    else if (p.magnet_uri != nullptr)
    {
        lt::parse_magnet_uri(p.magnet_uri, atp, ec);
        if (ec)
        {
            return mtlt::fail(MTLT_EBADTORRENT, "%s: not a valid magnet link (\"%.200s\"): %s", function,
                              p.magnet_uri, ec.message().c_str());
        }
        // libtorrent 2.0.8 skips an xt whose hash does not decode (40 non-hex characters) without an
        // error, leaving no info-hash at all.
        if (!atp.info_hashes.has_v1() && !atp.info_hashes.has_v2())
        {
            return mtlt::fail(MTLT_EBADTORRENT,
                              "%s: not a valid magnet link (\"%.200s\"): no exact topic with a valid hash "
                              "(xt=urn:btih:<40 hex or 32 base32> or xt=urn:btmh:<multihash>)",
                              function, p.magnet_uri);
        }
    }
    else
    {
        atp.info_hashes.v1 = mtlt::to_hash(p.info_hash);
        if (atp.info_hashes.v1.is_all_zeros())
        {
            return mtlt::fail(MTLT_EINVAL, "%s: info_hash is all zeros", function);
        }
    }
    return MTLT_OK;
}

lt::torrent_flags_t torrent_flags(uint32_t flags)
{
    // update_subscribe: in state updates (MTLT_ALERT_TORRENT_PROGRESS); duplicate_is_error: an add of
    // a known info-hash fails instead of returning the existing torrent. Not auto-managed, not
    // paused, no resume data (libtorrent's defaults) unless asked.
    lt::torrent_flags_t out = lt::torrent_flags::update_subscribe | lt::torrent_flags::apply_ip_filter
                            | lt::torrent_flags::duplicate_is_error;
    const std::pair<uint32_t, lt::torrent_flags_t> map[] = {
        {MTLT_TORRENT_SEED_MODE, lt::torrent_flags::seed_mode},
        {MTLT_TORRENT_PAUSED, lt::torrent_flags::paused},
        {MTLT_TORRENT_UPLOAD_MODE, lt::torrent_flags::upload_mode},
        {MTLT_TORRENT_SEQUENTIAL_DOWNLOAD, lt::torrent_flags::sequential_download},
        {MTLT_TORRENT_AUTO_MANAGED, lt::torrent_flags::auto_managed},
        {MTLT_TORRENT_DISABLE_DHT, lt::torrent_flags::disable_dht},
        {MTLT_TORRENT_DISABLE_PEX, lt::torrent_flags::disable_pex},
    };
    for (const auto &[bit, flag] : map)
    {
        if ((flags & bit) != 0)
        {
            out |= flag;
        }
    }
    return out;
}

} // namespace

int mtlt::build_add_params(const char *function, const mtlt_add_torrent_params &p, lt::add_torrent_params &atp)
{
    if (int rc = check_params(function, p))
    {
        return rc;
    }
    std::vector<lt::tcp::endpoint> peers;
    for (size_t i = 0; i < p.peer_count; ++i)
    {
        if (p.peers[i] == nullptr)
        {
            return mtlt::fail(MTLT_EINVAL, "%s: peers[%zu] is NULL", function, i);
        }
        lt::tcp::endpoint peer;
        if (int rc = parse_peer(function, p.peers[i], peer))
        {
            return rc;
        }
        peers.push_back(peer);
    }
    if (int rc = read_source(function, p, atp))
    {
        return rc;
    }
    // A magnet's x.pe peers first, then the caller's; libtorrent connects them on its next
    // connection tick (the session ticks every 500 ms), paused torrents once resumed.
    atp.peers.insert(atp.peers.end(), peers.begin(), peers.end());
    atp.save_path = p.save_path;
    atp.flags = torrent_flags(p.flags);
    return MTLT_OK;
}
