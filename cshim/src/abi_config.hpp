// abi_config.hpp: included before any libtorrent header by every .cpp that includes libtorrent.
//
// libtorrent's public headers change class layouts and symbol names with preprocessor
// definitions. The installed library was built with a set of them (see
// `pkg-config --cflags libtorrent-rasterbar`); code that includes the headers with another set
// compiles and links but has undefined behaviour. SwiftPM cannot take them from pkg-config (a
// systemLibrary target drops them), so Package.swift spells them out with .define, and this file
// makes a missing one a compile error instead of a silent ABI mismatch.
//
// pkg-config also lists OPENSSL_NO_SSL2. It is not required here: its only reader is Boost.Asio's
// ssl/impl/context.ipp, behind `OPENSSL_VERSION_NUMBER >= 0x10100000L || defined(OPENSSL_NO_SSL2)`,
// and Debian 12's OpenSSL is 3.0, so it changes nothing.
#pragma once

#if !defined(TORRENT_LINKING_SHARED) || !defined(TORRENT_USE_OPENSSL) || !defined(TORRENT_USE_LIBCRYPTO) \
    || !defined(TORRENT_SSL_PEERS) || !defined(BOOST_ASIO_ENABLE_CANCELIO) || !defined(BOOST_ASIO_NO_DEPRECATED) \
    || !defined(BOOST_ALL_NO_LIB)
#error "CLibtorrentShim: a libtorrent ABI define is missing (compare pkg-config --cflags libtorrent-rasterbar)"
#endif

// pkg-config also passes -fexceptions: libtorrent reports errors by throwing.
#if !defined(__cpp_exceptions)
#error "CLibtorrentShim must be compiled with C++ exceptions enabled (-fexceptions)"
#endif

#include <libtorrent/aux_/export.hpp>
#include <libtorrent/config.hpp>
#include <libtorrent/version.hpp>

// Debian's library is a release build. Asserts and invariant checks add members to libtorrent's
// classes (libtorrent's CMake package adds TORRENT_USE_ASSERTS only for a Debug configuration).
#if TORRENT_USE_ASSERTS || TORRENT_USE_INVARIANT_CHECKS || defined(TORRENT_DEBUG)
#error "CLibtorrentShim: TORRENT_USE_ASSERTS, TORRENT_USE_INVARIANT_CHECKS and TORRENT_DEBUG change libtorrent's ABI"
#endif

static_assert(LIBTORRENT_VERSION_MAJOR == 2 && LIBTORRENT_VERSION_MINOR == 0,
              "CLibtorrentShim is written against libtorrent 2.0.x");

// Debian builds libtorrent with deprecated functions (they are exported, e.g.
// session_handle::load_state), i.e. TORRENT_ABI_VERSION 1, the headers' default when nothing
// defines TORRENT_NO_DEPRECATE or TORRENT_ABI_VERSION. ABI version 1 and 3 lay out settings_pack,
// add_torrent_params and alerts differently.
static_assert(TORRENT_ABI_VERSION == 1,
              "the installed libtorrent exports its deprecated API (TORRENT_ABI_VERSION 1); "
              "do not define TORRENT_NO_DEPRECATE or TORRENT_ABI_VERSION");

// libstdc++'s dual ABI: Debian builds libtorrent with the C++11 std::string and std::list. (A
// mismatch would also fail to link, on the __cxx11 symbol names; this says why.)
#if defined(__GLIBCXX__) && !_GLIBCXX_USE_CXX11_ABI
#error "CLibtorrentShim: libtorrent is built with _GLIBCXX_USE_CXX11_ABI=1"
#endif
