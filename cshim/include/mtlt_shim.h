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
 * Sections: return codes; library; owned sessions (settings, start, stop, queries); DHT state
 * (routing table save and restore); DHT items (BEP 44 put and get); alerts (notify hook, popping,
 * plain C alert structs); host mode (qBittorrent's own lt::session); test helpers.
 *
 * Growth: torrents (add a magnet, seed a file, status) come next as a new section with the same
 * conventions; their alerts become new MTLT_ALERT_* kinds whose fields come out of
 * mtlt_alert.reserved[]. Fields added to mtlt_session_settings are carved out of its reserved[],
 * where 0 must mean "as before".
 */
#ifndef MTLT_SHIM_H
#define MTLT_SHIM_H

#include <stddef.h>
#include <stdint.h>

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
/* A DHT call on a session whose DHT node is not running (enable_dht is 0, or the node has not
 * started yet: it starts asynchronously, see mtlt_session_is_dht_running). libtorrent itself would
 * silently drop the request and never post an alert, leaving a waiter waiting. */
#define MTLT_ENODHT (-7)

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

/* An lt::session that this library makes, runs and destroys (owned mode: CLI, standalone use), or
 * the host's own session, borrowed (host mode, see mtlt_session_attach). Opaque. Thread safety:
 * every function that takes a session, except mtlt_session_free, may be called from any thread,
 * concurrently (libtorrent posts each call to its network thread and waits for the answer, so
 * calls block briefly); mtlt_session_pop_alerts serves one consumer at a time (its results live
 * until that consumer's next pop). mtlt_session_free must be called exactly once, after every
 * other call on the session has returned, and never from a libtorrent callback or the notify hook:
 * it joins libtorrent's network thread. */
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

/* Shuts the session down and frees it: removes the alert notify hook (after this returns it is
 * never called again), aborts the session (session_proxy pattern), so libtorrent stops its network
 * thread, then waits for that thread. Takes about a millisecond with no torrents; with torrents, up
 * to libtorrent's stop_tracker_timeout while trackers hear "stopped". For an attached session (host
 * mode, below) it only detaches: the host's lt::session keeps running. NULL is a no-op. */
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

/* ---------------------------------------------------------------------------------------------
 * DHT state: the routing table across restarts
 * ------------------------------------------------------------------------------------------- */

/* Like mtlt_session_new, and the DHT starts from a state saved by mtlt_session_dht_state_save:
 * the same node id (per listen address) and the saved nodes are pinged at start, so the node
 * rejoins without any bootstrap router. Why: with dht_bootstrap_nodes "" (the safe default) a
 * restarted node would otherwise know nobody. `state` is copied; the settings struct still decides
 * every setting (the state carries only the DHT part). With enable_dht 1, the DHT is switched on
 * right after the session starts, not in its initial settings: libtorrent 2.0.8 ignores
 * session_params::dht_state when the DHT is on from the start (measured: new node id, "bootstrapping
 * with 0 nodes"). MTLT_EINVAL when state is NULL, empty, not bencoded, or holds no DHT state. */
int mtlt_session_new_with_state(mtlt_session **out, const mtlt_session_settings *settings, const uint8_t *state,
                                size_t state_len) MTLT_NOEXCEPT;

/* *out (malloc'd, release with mtlt_buffer_free) and *out_len = the session's DHT state, bencoded
 * as libtorrent's write_session_params with save_dht_state only: node ids and the routing table's
 * live nodes. Works with or without a running DHT (an idle one saves no nodes). Blocks briefly
 * (libtorrent's network thread collects the table). */
int mtlt_session_dht_state_save(mtlt_session *s, uint8_t **out, size_t *out_len) MTLT_NOEXCEPT;

/* Frees a buffer this library returned (mtlt_session_dht_state_save). NULL is a no-op. */
void mtlt_buffer_free(void *buffer) MTLT_NOEXCEPT;

/* *out_count = the number of live nodes in the session's DHT routing tables (all listen sockets,
 * IPv4 and IPv6), the nodes mtlt_session_dht_state_save would save; 0 when the DHT is off. Why:
 * "has this node joined?" for tests, diagnostics and a status line. Blocks briefly. */
int mtlt_session_dht_node_count(mtlt_session *s, int *out_count) MTLT_NOEXCEPT;

/* Asks the DHT to ping host:port (1...65535) and add it to the routing table when it answers.
 * Returns at once; the answer, if any, arrives within milliseconds on a LAN. A host name is
 * resolved by libtorrent over DNS (a leak in safe mode: pass an IP address there). Why: joining a
 * local swarm (a full mesh of add_dht_node fills tables in tens of milliseconds, where a hub or
 * bootstrap routers take 30 s and more) and seeding a table from known peers. MTLT_ENODHT when the
 * DHT is not running. */
int mtlt_session_add_dht_node(mtlt_session *s, const char *host, int port) MTLT_NOEXCEPT;

/* ---------------------------------------------------------------------------------------------
 * DHT items (BEP 44): put and get
 * ------------------------------------------------------------------------------------------- */

/* A BEP 44 item's bencoded value may be at most this long (v's bencoded bytes). Larger values are
 * refused by other nodes (error 205) or, past one UDP packet, time out after 15 s; the shim refuses
 * them up front with MTLT_EINVAL. */
#define MTLT_DHT_MAX_VALUE_SIZE 1000
/* A mutable item's salt may be at most this long (BEP 44). */
#define MTLT_DHT_MAX_SALT_SIZE 64

/* Stores a mutable item that the caller has already signed. No secret key ever enters libtorrent:
 * the signature is Ed25519 by the key `public_key`, over the bencoded bytes
 * "4:salt<len>:<salt>3:seqi<seq>e1:v<value>" (the salt part left out when salt_len is 0), as
 * BEP 44 says. `bencoded_value` must be canonical bencoding (dictionary keys sorted, no leading
 * zeros), 1...MTLT_DHT_MAX_VALUE_SIZE bytes: libtorrent re-encodes the value, and anything else
 * would not match the signature. seq >= 0. salt may be NULL when salt_len is 0.
 *
 * The shim checks everything before the network: MTLT_EINVAL for a value over 1000 bytes, a salt
 * over 64 bytes, a value that is not canonical bencoding, a negative seq, or a signature that does
 * not verify (other nodes would refuse it silently); MTLT_ENODHT when the DHT is not running.
 * Then it returns at once; libtorrent looks the key up, puts the item on the closest nodes and
 * posts one MTLT_ALERT_DHT_PUT (public key, salt, seq, num_success) when done. num_success counts
 * nodes that answered the put, which is no proof of storage: a node that already holds an equal
 * seq keeps its old value and still counts, a node with a higher seq refuses (num_success 0).
 * libtorrent calls the put callback once per DHT stack, on its network thread; the shim's callback
 * only assigns the value, seq and signature computed here. */
int mtlt_dht_put_mutable(mtlt_session *s, const uint8_t public_key[32], const uint8_t *salt, size_t salt_len,
                         int64_t seq, const uint8_t *bencoded_value, size_t value_len,
                         const uint8_t signature[64]) MTLT_NOEXCEPT;

/* Looks up the mutable item (public_key, salt). Returns at once; results come as
 * MTLT_ALERT_DHT_MUTABLE_ITEM alerts: a non-authoritative one each time a node answers with a
 * higher seq than seen so far in this lookup (the first within milliseconds), then one
 * authoritative alert when the lookup ends (every node asked has answered or timed out: about 15 s
 * when some node on the path has left). A lookup that finds nothing ends with an authoritative
 * alert with seq 0 and an empty value. Signatures are verified by libtorrent before any alert.
 * Alerts carry no request id: two lookups of one key cannot be told apart. MTLT_ENODHT when the DHT
 * is not running; MTLT_EINVAL for a salt over 64 bytes. */
int mtlt_dht_get_mutable(mtlt_session *s, const uint8_t public_key[32], const uint8_t *salt,
                         size_t salt_len) MTLT_NOEXCEPT;

/* Stores an immutable item: `bencoded` (canonical bencoding, 1...MTLT_DHT_MAX_VALUE_SIZE bytes;
 * checked as for mtlt_dht_put_mutable) under out_target = SHA-1(bencoded). Returns at once with the
 * target; one MTLT_ALERT_DHT_PUT (target, num_success) follows. */
int mtlt_dht_put_immutable(mtlt_session *s, const uint8_t *bencoded, size_t len,
                           uint8_t out_target[20]) MTLT_NOEXCEPT;

/* out_target = SHA-1(bencoded), the target mtlt_dht_put_immutable would store `bencoded` under,
 * after the same checks, without touching the network. Why: a caller that waits for the put's
 * alert must know the target before the put starts (the alert may come back at once). */
int mtlt_dht_immutable_target(const uint8_t *bencoded, size_t len, uint8_t out_target[20]) MTLT_NOEXCEPT;

/* Looks up the immutable item `target`. Returns at once; exactly one MTLT_ALERT_DHT_IMMUTABLE_ITEM
 * follows: with the value as soon as one node has it (libtorrent checks its hash and stops), or
 * with an empty value when the lookup ends without it. */
int mtlt_dht_get_immutable(mtlt_session *s, const uint8_t target[20]) MTLT_NOEXCEPT;

/* ---------------------------------------------------------------------------------------------
 * Alerts
 * ------------------------------------------------------------------------------------------- */

/* mtlt_alert.kind. Values are stable; unknown future kinds must be treated as MTLT_ALERT_OTHER. */
/* Anything not listed below: only lt_type, lt_name and message are set. */
#define MTLT_ALERT_OTHER 0
/* A listen socket opened: address, port, socket_type. (Those of session start-up are delivered by
 * the first pop too.) */
#define MTLT_ALERT_LISTEN_SUCCEEDED 1
/* A listen socket failed: address, port, socket_type, error_code; message says why. */
#define MTLT_ALERT_LISTEN_FAILED 2
/* The DHT's bootstrap lookup finished (also after start with no known nodes). No fields. */
#define MTLT_ALERT_DHT_BOOTSTRAP 3
/* A mutable item lookup's answer: public_key, salt, seq, signature, value (empty: nothing found),
 * authoritative. */
#define MTLT_ALERT_DHT_MUTABLE_ITEM 4
/* An immutable item lookup's answer: target, value (empty: nothing found). */
#define MTLT_ALERT_DHT_IMMUTABLE_ITEM 5
/* A put finished: is_mutable; mutable: public_key, salt, seq, signature; immutable: target; both:
 * num_success. */
#define MTLT_ALERT_DHT_PUT 6

/* mtlt_alert.socket_type: libtorrent's lt::socket_type_t values. */
#define MTLT_SOCKET_TCP 0
#define MTLT_SOCKET_SOCKS5 1
#define MTLT_SOCKET_HTTP 2
#define MTLT_SOCKET_UTP 3
#define MTLT_SOCKET_I2P 4
#define MTLT_SOCKET_TCP_SSL 5
#define MTLT_SOCKET_SOCKS5_SSL 6
#define MTLT_SOCKET_HTTP_SSL 7
#define MTLT_SOCKET_UTP_SSL 8

/* One alert, copied out of libtorrent into plain C. Fields a kind does not use are zero / NULL.
 * Pointers point into storage owned by the session, valid until the next mtlt_session_pop_alerts
 * on that session (or its free). Byte strings are not NUL-terminated; text (message, lt_name,
 * address) is NUL-terminated UTF-8. */
typedef struct mtlt_alert {
    /* MTLT_ALERT_*. */
    int kind;
    /* libtorrent's alert type number (lt::alert::type()), for logs and for kinds this header does
     * not name yet. */
    int lt_type;
    /* libtorrent's alert name (lt::alert::what()), for example "dht_put". Never NULL. */
    const char *lt_name;
    /* libtorrent's human-readable message (lt::alert::message()). Never NULL. */
    const char *message;

    /* DHT items. */
    int64_t seq;               /* MUTABLE_ITEM, mutable PUT */
    int authoritative;         /* MUTABLE_ITEM: 1 when the lookup has ended, else 0 */
    int is_mutable;            /* PUT: 1 for a mutable item, 0 for an immutable one */
    int num_success;           /* PUT: nodes that answered the put (no proof of storage) */
    int reserved_int;          /* zero */
    uint8_t target[20];        /* IMMUTABLE_ITEM, immutable PUT */
    uint8_t public_key[32];    /* MUTABLE_ITEM, mutable PUT */
    uint8_t signature[64];     /* MUTABLE_ITEM, mutable PUT */
    const uint8_t *salt;       /* MUTABLE_ITEM, mutable PUT; NULL when salt_len is 0 */
    size_t salt_len;
    const uint8_t *value;      /* MUTABLE_ITEM, IMMUTABLE_ITEM: bencoded; NULL when value_len is 0 */
    size_t value_len;          /* 0: nothing was found */

    /* Listen sockets. */
    const char *address;       /* LISTEN_*: the IP address, for example "127.0.0.1"; else NULL */
    int port;                  /* LISTEN_* */
    int socket_type;           /* LISTEN_*: MTLT_SOCKET_* */
    int error_code;            /* LISTEN_FAILED: the system or libtorrent error value */

    /* Zero. Fields for future kinds (torrents) come out of here. */
    int reserved_int2;
    uint64_t reserved[8];
} mtlt_alert;

/* Sets the function that wakes the alert consumer: `notify(payload)` is called when alerts become
 * available (the session's queue goes from empty to non-empty), and once right away so that alerts
 * queued before the hook was set are not missed (a spurious wake is harmless: the pop returns 0
 * alerts). NULL notify removes the hook. Threads: notify runs on libtorrent's network thread, on the
 * thread of a libtorrent call, or (host mode) on the thread calling mtlt_session_handle_alert, with
 * a lock held: it must only wake someone (signal a semaphore, write an eventfd, resume a
 * continuation), never block and never call back into this library. After this function returns,
 * the previous notify is never called again, so its payload may be released. Owned mode uses
 * libtorrent's set_alert_notify; host mode leaves the host's hook alone. */
int mtlt_session_set_alert_notify(mtlt_session *s, void (*notify)(void *payload), void *payload) MTLT_NOEXCEPT;

/* Takes every alert that arrived since the last call: *out_alerts = an array of *out_count alerts,
 * oldest first (*out_alerts is NULL when *out_count is 0). Never blocks on the network. The array
 * and everything it points to belong to the session and stay valid until the next pop on the same
 * session (or mtlt_session_free); one consumer at a time. Owned mode: libtorrent's own queue (the
 * session's alert_mask is status | error | dht), plus the listen alerts of start-up. Host mode: the
 * alerts the host forwarded with mtlt_session_handle_alert. */
int mtlt_session_pop_alerts(mtlt_session *s, const mtlt_alert **out_alerts, size_t *out_count) MTLT_NOEXCEPT;

/* ---------------------------------------------------------------------------------------------
 * Host mode: the host's own lt::session (qBittorrent)
 * ------------------------------------------------------------------------------------------- */

/* Wraps a session the host made and runs, so one process runs one DHT node. `host_lt_session` is an
 * `lt::session *` from a host built against the same libtorrent
 * (same major.minor and ABI defines: see abi_config.hpp); it is borrowed, never destroyed, and must
 * outlive *out (free *out first). Attaching adds lt::alert_category::dht to the host session's
 * alert_mask (and changes nothing else) so the host sees the DHT alerts it must forward. The host
 * keeps popping its alerts itself and passes every one (or at least the DHT ones) to
 * mtlt_session_handle_alert; the shim never pops the host's queue and never touches its notify
 * hook. Every other function works on an attached session as on an owned one. */
int mtlt_session_attach(mtlt_session **out, void *host_lt_session) MTLT_NOEXCEPT;

/* Host mode: the host forwards one alert it popped (`lt_alert` is a `lt::alert const *`, valid
 * during this call only: it is copied). Alerts of kinds the shim does not use are ignored, so a
 * host may forward everything. Cheap and non-blocking (it copies and maybe calls notify): call it
 * from the host's alert loop. MTLT_EINVAL on an owned session, whose alerts come from libtorrent
 * directly. */
int mtlt_session_handle_alert(mtlt_session *s, const void *lt_alert) MTLT_NOEXCEPT;

/* ---------------------------------------------------------------------------------------------
 * Test helpers: FOR TESTS ONLY. Not part of the API; the product signs with OpenSSL elsewhere.
 * ------------------------------------------------------------------------------------------- */

/* TEST ONLY. Signs a BEP 44 mutable item with libtorrent's own ed25519 (lt::dht::
 * ed25519_create_keypair from a 32-byte seed, lt::dht::sign_mutable_item), so the shim's tests can
 * make signatures without the product's signing module. Writes the public key and the signature. */
int mtlt_test_sign_mutable(const uint8_t seed[32], const uint8_t *salt, size_t salt_len, int64_t seq,
                           const uint8_t *bencoded_value, size_t value_len, uint8_t out_public_key[32],
                           uint8_t out_signature[64]) MTLT_NOEXCEPT;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* MTLT_SHIM_H */
