/*
 * mtlt_shim.h: the whole C surface of Megatorrent's libtorrent shim (SwiftPM target CLibtorrentShim).
 *
 * Why it exists: libtorrent-rasterbar is a C++ library and Swift must not see C++ types or
 * exceptions. This header is pure C (it compiles as C and as C++); the implementation behind it,
 * the .cpp files in cshim/src, is C++17 and the only code that includes libtorrent headers. No C++
 * type and no exception crosses this boundary: every entry point is noexcept, catches everything,
 * and returns a code.
 *
 * Conventions (libgit2's, as in the design brief's "C ABI" section):
 *   - every symbol starts with mtlt_ (MegaTorrent LibTorrent) or MTLT_;
 *   - functions return MTLT_OK (0) or a negative MTLT_E* code; results come back through out
 *     parameters, which come first and are written only on success;
 *   - after a negative return, mtlt_error_last() on the same thread says what went wrong;
 *   - opaque handles are made by *_new and released by *_free; *_free(NULL) is a no-op;
 *   - option structs carry a version field, an *_INIT macro for C and an *_init function for
 *     languages that cannot use the macro (Swift), and a zeroed reserved[] tail so fields can be
 *     added without changing the struct's size.
 *
 * Growth: the DHT work (BEP 44/46 put/get, alert forwarding) and host mode (the host's own
 * lt::session, passed in by qBittorrent) will add functions here with the same conventions. Fields
 * added to mtlt_session_settings are carved out of reserved[], where 0 must mean "as before".
 */
#ifndef MTLT_SHIM_H
#define MTLT_SHIM_H

#ifdef __cplusplus
/* The definitions are C++ and noexcept; declaring them so here keeps C++ callers (and the
 * definitions themselves) honest. To C, the macro is empty. */
#define MTLT_NOEXCEPT noexcept
extern "C" {
#else
#define MTLT_NOEXCEPT
#endif

/* ---------------------------------------------------------------------------------------------
 * Return codes
 * ------------------------------------------------------------------------------------------- */

/* Success. */
#define MTLT_OK 0
/* An argument was NULL, out of range, or not understood (including an unparsable
 * listen_interfaces string and a settings struct of an unknown version). */
#define MTLT_EINVAL (-1)
/* An allocation failed (std::bad_alloc inside). */
#define MTLT_ENOMEM (-2)
/* libtorrent (or Boost, or the system beneath them) reported an error or threw. */
#define MTLT_ELIBTORRENT (-3)
/* The libtorrent loaded at run time is not the major.minor version this shim was compiled
 * against: its ABI differs, so nothing is called into it. */
#define MTLT_EABI (-4)
/* A listen socket that the settings asked for could not be opened (address in use, address not
 * on this host, permission denied). */
#define MTLT_ELISTEN (-5)
/* Anything else: an exception of unknown type, an impossible state. A bug; please report it. */
#define MTLT_EINTERNAL (-6)

/* The message of the last failing call on the calling thread, in English, never NULL ("" when no
 * call on this thread has failed yet). Why: a code alone cannot say which setting was wrong or what
 * the OS said. The library owns the string (a per-thread buffer, never freed by the caller); the
 * next failing mtlt_ call on the same thread overwrites it and successful calls leave it as it
 * was, so read it right after a negative return. */
const char *mtlt_error_last(void) MTLT_NOEXCEPT;

/* ---------------------------------------------------------------------------------------------
 * Library
 * ------------------------------------------------------------------------------------------- */

/* libtorrent's version string as the loaded library reports it (lt::version()), for example
 * "2.0.8.0". Why: diagnostics (`megatorrent --version`, bug reports) and tests that check which
 * library was really linked. Static storage; never NULL; never fails. */
const char *mtlt_version(void) MTLT_NOEXCEPT;

/* ---------------------------------------------------------------------------------------------
 * Owned session
 * ------------------------------------------------------------------------------------------- */

/* An lt::session that this library makes, runs and destroys (owned mode: CLI, standalone use).
 * Opaque. Thread safety: every function below except mtlt_session_free may be called from any
 * thread, concurrently (libtorrent posts each call to its network thread and waits for the
 * answer, so calls block briefly). mtlt_session_free must be called exactly once, after every
 * other call on the session has returned, and never from a libtorrent callback: it joins
 * libtorrent's network thread. */
typedef struct mtlt_session mtlt_session;

/* In a tri-state or numeric field of mtlt_session_settings: keep libtorrent's own default for that
 * setting. */
#define MTLT_SETTINGS_DEFAULT (-1)

/* The struct version this header describes. */
#define MTLT_SESSION_SETTINGS_VERSION 1

/* How an owned session is configured. Start from MTLT_SESSION_SETTINGS_INIT (or
 * mtlt_session_settings_init) and change fields: the defaults are safe ones, not libtorrent's
 * (nothing is announced on the LAN, no router is asked to open ports, no bootstrap host name is
 * resolved over DNS, and only loopback is listened on). Boolean fields take exactly 0 or 1;
 * anything else is refused with MTLT_EINVAL, which catches uninitialised structs. Strings are
 * copied by mtlt_session_new; the caller keeps ownership. */
typedef struct mtlt_session_settings {
    /* MTLT_SESSION_SETTINGS_VERSION. Lets a newer library know which fields an older caller set. */
    int version;

    /* libtorrent's listen_interfaces: comma-separated "IP:PORT" or "DEVICE:PORT" entries ("[::1]:0"
     * for IPv6; a suffix "s" marks SSL, "l" marks local-only, which keeps the DHT off there). Port
     * 0 asks the OS for a free one. "" listens nowhere. NULL is refused. Default "127.0.0.1:0".
     * The session binds exactly the ports asked for: libtorrent's fallbacks (port+1 retries, then
     * an OS-chosen port) are switched off, so a port in use gives MTLT_ELISTEN instead of a node
     * silently reachable somewhere else. */
    const char *listen_interfaces;

    /* libtorrent's dht_bootstrap_nodes: comma-separated "HOST:PORT" routers the DHT starts from.
     * Default "" (libtorrent's default names dht.libtorrent.org and resolves it over DNS: a leak
     * in safe mode and a 30 s detour in a local swarm). NULL means "". */
    const char *dht_bootstrap_nodes;

    /* Run the mainline DHT (BEP 5; BEP 44/46 items ride on it). Default 0. */
    int enable_dht;
    /* Local Service Discovery (LAN multicast announces). Default 0: it reveals the node on the LAN. */
    int enable_lsd;
    /* UPnP port mapping on the router. Default 0: it talks to the router and slows shutdown. */
    int enable_upnp;
    /* NAT-PMP / PCP port mapping on the router. Default 0, for the same reasons as UPnP. */
    int enable_natpmp;

    /* DHT tuning, each MTLT_SETTINGS_DEFAULT (libtorrent's value), 0 or 1. A loopback swarm needs
     * the first three at 0: libtorrent refuses more than one routing-table entry per IP, one
     * search answer per IP, and prefers node ids derived from the (here identical) address. */
    int dht_restrict_routing_ips;
    int dht_restrict_search_ips;
    int dht_prefer_verified_node_ids;
    /* DHT packets per second one source address may send before it is blocked (libtorrent: 5), and
     * DHT upload bytes per second (libtorrent: 8000). MTLT_SETTINGS_DEFAULT or >= 0. Both starve a
     * loopback swarm where every node shares 127.0.0.1. */
    int dht_block_ratelimit;
    int dht_upload_rate_limit;

    /* Must be zero. Future fields come out of here, with 0 meaning the version 1 behaviour. */
    int reserved[8];
} mtlt_session_settings;

/* Safe defaults for C callers: `mtlt_session_settings s = MTLT_SESSION_SETTINGS_INIT;`. */
#define MTLT_SESSION_SETTINGS_INIT                                                               \
    {                                                                                            \
        MTLT_SESSION_SETTINGS_VERSION, "127.0.0.1:0", "", 0, 0, 0, 0, MTLT_SETTINGS_DEFAULT,     \
            MTLT_SETTINGS_DEFAULT, MTLT_SETTINGS_DEFAULT, MTLT_SETTINGS_DEFAULT,                 \
            MTLT_SETTINGS_DEFAULT,                                                               \
        {                                                                                        \
            0, 0, 0, 0, 0, 0, 0, 0                                                               \
        }                                                                                        \
    }

/* Fills *out with the same values as MTLT_SESSION_SETTINGS_INIT. Why: Swift (and other FFI users)
 * cannot expand brace-initialiser macros. `version` must be MTLT_SESSION_SETTINGS_VERSION (the
 * caller's idea of the struct), else MTLT_EINVAL and *out is untouched. */
int mtlt_session_settings_init(mtlt_session_settings *out, int version) MTLT_NOEXCEPT;

/* Makes and starts an owned session; on success *out owns it (release with mtlt_session_free).
 * Returns once the listen sockets are open (20 to 30 ms here), or an error: MTLT_EINVAL for NULL
 * pointers, a wrong version, a non-zero reserved field, an out-of-range field, or a listen string
 * that names no usable interface ("not an interface", an unknown device); MTLT_ELISTEN when a
 * socket asked for cannot be bound; MTLT_EABI when the loaded libtorrent is not the one compiled
 * against. On failure *out is untouched and nothing is left running. Blocks the caller; do not
 * call from a libtorrent callback. */
int mtlt_session_new(mtlt_session **out, const mtlt_session_settings *settings) MTLT_NOEXCEPT;

/* Shuts the session down and frees it: aborts it (session_proxy pattern), so libtorrent stops its
 * network thread, then waits for that thread. Takes about a millisecond with no torrents; with
 * torrents, up to libtorrent's stop_tracker_timeout while trackers hear "stopped". NULL is a no-op. */
void mtlt_session_free(mtlt_session *s) MTLT_NOEXCEPT;

/* *out_running = 1 when the session's DHT node runs, else 0. Why: the DHT starts
 * asynchronously, and a local swarm must wait until every node runs before joining them. */
int mtlt_session_is_dht_running(mtlt_session *s, int *out_running) MTLT_NOEXCEPT;

/* *out_port = the port of the session's first non-SSL listen socket, 0 when it listens nowhere.
 * Why: with port 0 the OS chooses, and peers (and tests) must learn the port that was chosen. */
int mtlt_session_listen_port(mtlt_session *s, int *out_port) MTLT_NOEXCEPT;

/* *out_value = the session's current value of the integer or boolean (0/1) libtorrent setting
 * `name` (settings_pack names, for example "dht_block_ratelimit", "enable_lsd"). MTLT_EINVAL for
 * an unknown name or a string setting. Why: diagnostics, and tests that check the shim applied
 * what the settings struct asked for. */
int mtlt_session_get_int_setting(mtlt_session *s, const char *name, int *out_value) MTLT_NOEXCEPT;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* MTLT_SHIM_H */
