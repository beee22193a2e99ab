// torrent_create.cpp: mtlt_torrent_create, a .torrent for one file with libtorrent's create_torrent,
// deterministic unless a creation date is asked for.

#include "session_object.hpp"

#include <sys/stat.h>

#include <cerrno>

#include <cstring>
#include <string>
#include <vector>

#include <libtorrent/create_torrent.hpp>
#include <libtorrent/file_storage.hpp>
#include <libtorrent/torrent_info.hpp>

namespace
{
constexpr uint32_t known_flags = MTLT_CREATE_HYBRID | MTLT_CREATE_CREATION_DATE;

// The folder set_piece_hashes reads the file from: everything before the last '/', "/" for a file
// in the root, "." for a bare name.
std::string parent_of(const std::string &path)
{
    const size_t slash = path.rfind('/');
    if (slash == std::string::npos)
    {
        return ".";
    }
    return slash == 0 ? std::string("/") : path.substr(0, slash);
}

int check_arguments(const char *function, const char *file_path, int piece_size, const char *const *trackers,
                    size_t tracker_count, uint32_t flags)
{
    if ((flags & ~known_flags) != 0)
    {
        return mtlt::fail(MTLT_EINVAL, "%s: unknown flag bits 0x%x", function, flags & ~known_flags);
    }
    const bool power_of_two = piece_size > 0 && (piece_size & (piece_size - 1)) == 0;
    if (piece_size != 0 && (!power_of_two || piece_size < 16384 || piece_size > 128 * 1024 * 1024))
    {
        return mtlt::fail(MTLT_EINVAL, "%s: piece_size %d is neither 0 (automatic) nor a power of two in 16 KiB...128 MiB",
                          function, piece_size);
    }
    if (trackers == nullptr && tracker_count != 0)
    {
        return mtlt::fail(MTLT_EINVAL, "%s: trackers is NULL but tracker_count is %zu", function, tracker_count);
    }
    for (size_t i = 0; i < tracker_count; ++i)
    {
        if (trackers[i] == nullptr || trackers[i][0] == '\0')
        {
            return mtlt::fail(MTLT_EINVAL, "%s: trackers[%zu] is %s", function, i,
                              trackers[i] == nullptr ? "NULL" : "empty");
        }
    }
    struct stat info;
    if (::stat(file_path, &info) != 0)
    {
        return mtlt::fail(MTLT_EINVAL, "%s: \"%.300s\": %s", function, file_path, std::strerror(errno));
    }
    if (!S_ISREG(info.st_mode))
    {
        return mtlt::fail(MTLT_EINVAL, "%s: \"%.300s\" is not a regular file (one file per torrent here)", function,
                          file_path);
    }
    if (info.st_size == 0)
    {
        return mtlt::fail(MTLT_EINVAL, "%s: \"%.300s\" is empty; a torrent needs at least one byte", function,
                          file_path);
    }
    return MTLT_OK;
}
} // namespace

int mtlt_torrent_create(const char *file_path, int piece_size, const char *const *trackers, size_t tracker_count,
                        uint32_t flags, uint8_t **out_torrent, size_t *out_len, uint8_t out_info_hash[20]) noexcept
{
    constexpr const char *function = "mtlt_torrent_create";
    return mtlt::guarded(function, [&]() -> int {
        if (file_path == nullptr || out_torrent == nullptr || out_len == nullptr || out_info_hash == nullptr)
        {
            return mtlt::fail(MTLT_EINVAL, "%s: %s is NULL", function,
                              file_path == nullptr     ? "file_path"
                              : out_torrent == nullptr ? "out_torrent"
                              : out_len == nullptr     ? "out_len"
                                                       : "out_info_hash");
        }
        if (int rc = check_arguments(function, file_path, piece_size, trackers, tracker_count, flags))
        {
            return rc;
        }
        // no_attributes: an executable or hidden bit would add "attr" to the info dictionary, and
        // the info-hash would depend on more than the name and the content.
        lt::create_flags_t create_flags = lt::create_torrent::no_attributes;
        if ((flags & MTLT_CREATE_HYBRID) == 0)
        {
            create_flags |= lt::create_torrent::v1_only;
        }
        const std::string path(file_path);
        lt::file_storage files;
        lt::add_files(files, path, create_flags);
        if (files.num_files() != 1)
        {
            return mtlt::fail(MTLT_EINTERNAL, "%s: libtorrent found %d files at \"%.300s\"", function,
                              files.num_files(), file_path);
        }
        lt::create_torrent torrent(files, piece_size, create_flags);
        if ((flags & MTLT_CREATE_CREATION_DATE) == 0)
        {
            torrent.set_creation_date(0); // 0 leaves the field out
        }
        for (size_t i = 0; i < tracker_count; ++i)
        {
            torrent.add_tracker(trackers[i], 0);
        }
        lt::error_code ec;
        lt::set_piece_hashes(torrent, parent_of(path), ec);
        if (ec)
        {
            return mtlt::fail(MTLT_ELIBTORRENT, "%s: hashing \"%.300s\": %s", function, file_path,
                              ec.message().c_str());
        }
        const std::vector<char> bytes = torrent.generate_buf();
        const lt::torrent_info info(bytes, ec, lt::from_span);
        if (ec)
        {
            return mtlt::fail(MTLT_EINTERNAL, "%s: libtorrent cannot read the torrent it made: %s", function,
                              ec.message().c_str());
        }
        if (int rc = mtlt::copy_out(function, bytes.data(), bytes.size(), out_torrent))
        {
            return rc;
        }
        *out_len = bytes.size();
        std::memcpy(out_info_hash, info.info_hashes().v1.data(), 20);
        return MTLT_OK;
    });
}
