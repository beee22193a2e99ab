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
 * (routing table save and restore); DHT items (BEP 44 put and get); torrents (add by .torrent,
 * magnet or info-hash, status, remove, create); alerts (notify hook, popping, plain C alert
 * structs); host mode (qBittorrent's own lt::session); test helpers.
 *
 * Growth: new alert kinds reuse mtlt_alert's fields where they fit (the torrent kinds took its
 * reserved[] tail; reserved_int3 is left). Fields added to mtlt_session_settings,
 * mtlt_add_torrent_params and mtlt_torrent_status are carved out of their reserved[], where 0 must
 * mean "as before".
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
/* The bytes given as a .torrent file are not a valid torrent (not bencoded, no info dictionary,
 * bad piece hashes...), or a magnet URI is not a valid magnet link (no exact topic, bad hash). */
#define MTLT_EBADTORRENT (-8)
/* mtlt_torrent_add: the session already has a torrent with this info-hash (whichever way it was
 * added: .torrent, magnet or info-hash). The existing torrent is left as it was. */
#define MTLT_EDUPLICATE (-9)
/* No torrent with this info-hash in the session (never added, or removed). */
#define MTLT_ENOTORRENT (-10)

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
#define MTLT_SESSION_SETTINGS_VERSION 2

/* mtlt_session_settings.proxy_type: no proxy, SOCKS5 without authentication, SOCKS5 with RFC 1929
 * username/password (libtorrent's proxy_type_t socks5 and socks5_pw). */
#define MTLT_PROXY_NONE 0
#define MTLT_PROXY_SOCKS5 1
#define MTLT_PROXY_SOCKS5_PW 2

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

    /* libtorrent's allow_multiple_connections_per_ip: 0 keeps libtorrent's default (off: peers are
     * told apart by IP address alone, so two peers on one IP, such as every node of a loopback
     * swarm, count as one and only one of them is ever connected), 1 switches it on. A loopback
     * swarm that exchanges torrent data needs 1. Carved out of reserved[0]. */
    int allow_multiple_connections_per_ip;

    /* Version 2: anonymity (docs/anonymity.md). */

    /* MTLT_PROXY_NONE (default), MTLT_PROXY_SOCKS5 or MTLT_PROXY_SOCKS5_PW. With a proxy, peer,
     * web seed and tracker connections go through it (proxy_peer_connections,
     * proxy_tracker_connections) and host names are resolved by it (proxy_hostnames). libtorrent
     * still runs the DHT over SOCKS5 UDP ASSOCIATE and resolves dht_bootstrap_nodes locally: set
     * safe_mode too. */
    int proxy_type;
    /* The proxy's port, 1..65535 (ignored without a proxy). */
    int proxy_port;
    /* The proxy's host (an IP address keeps libtorrent from resolving anything locally). NULL
     * means "", refused with a proxy. */
    const char *proxy_hostname;
    /* RFC 1929 credentials for MTLT_PROXY_SOCKS5_PW, 1..255 bytes each; NULL means "". */
    const char *proxy_username;
    const char *proxy_password;
    /* Safe mode, 0 or 1: on, the session sends no UDP and resolves no name itself. uTP is off
     * (enable_outgoing_utp/enable_incoming_utp), udp:// trackers are dropped from every torrent
     * added (libtorrent 2.0 has no switch for them), and enable_dht, enable_lsd, enable_upnp,
     * enable_natpmp and a non-empty dht_bootstrap_nodes are refused with MTLT_EINVAL (they are UDP
     * or local lookups). */
    int safe_mode;
    /* libtorrent's I2P SAM bridge (i2p_hostname, i2p_port): NULL or "" for none. With one,
     * allow_i2p_mixed (0 or 1, default 0) lets I2P torrents also use ordinary peers. */
    const char *i2p_hostname;
    int i2p_port;
    int allow_i2p_mixed;

    /* Must be zero. Future fields come out of here, with 0 meaning the version 2 behaviour. */
    int reserved[7];
} mtlt_session_settings;

/* Safe defaults for C callers: `mtlt_session_settings s = MTLT_SESSION_SETTINGS_INIT;`. */
#define MTLT_SESSION_SETTINGS_INIT                                                               \
    {                                                                                            \
        MTLT_SESSION_SETTINGS_VERSION, "127.0.0.1:0", "", 0, 0, 0, 0, MTLT_SETTINGS_DEFAULT,     \
            MTLT_SETTINGS_DEFAULT, MTLT_SETTINGS_DEFAULT, MTLT_SETTINGS_DEFAULT,                 \
            MTLT_SETTINGS_DEFAULT, 0, MTLT_PROXY_NONE, 0, "", "", "", 0, "", 0, 0,               \
        {                                                                                        \
            0, 0, 0, 0, 0, 0, 0                                                                  \
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

/* Frees a buffer this library returned (mtlt_session_dht_state_save, mtlt_torrent_list,
 * mtlt_torrent_create). NULL is a no-op. */
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

/* mtlt_dht_put_mutable for a caller that has verified the signature itself (the Swift side's
 * strictly verified items): the same checks except the signature's, which costs a put about
 * 0.1 ms of libtorrent's ed25519 (measured in bench dht-latency). A wrong signature here is
 * refused by the nodes it reaches, not by the shim. */
int mtlt_dht_put_mutable_verified(mtlt_session *s, const uint8_t public_key[32], const uint8_t *salt,
                                  size_t salt_len, int64_t seq, const uint8_t *bencoded_value, size_t value_len,
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

/* Announces on the DHT (BEP 5) that this node is a peer of `info_hash` on TCP `port` (1...65535),
 * without any torrent: libtorrent looks up the nodes closest to the info-hash and stores the
 * announce there (nodes keep it about 30 minutes: announce again before). Returns at once; no alert
 * follows. MTLT_EINVAL for a NULL info_hash or a port out of range; MTLT_ENODHT when the DHT is not
 * running. */
int mtlt_dht_announce(mtlt_session *s, const uint8_t info_hash[20], int port) MTLT_NOEXCEPT;

/* Looks up the peers of `info_hash` on the DHT (BEP 5 get_peers), without any torrent. Returns at
 * once; one MTLT_ALERT_DHT_PEERS follows when the lookup ends, with every peer the nodes returned.
 * Alerts carry no request id: two lookups of one info-hash cannot be told apart. MTLT_EINVAL for a
 * NULL info_hash; MTLT_ENODHT when the DHT is not running. */
int mtlt_dht_get_peers(mtlt_session *s, const uint8_t info_hash[20]) MTLT_NOEXCEPT;

/* ---------------------------------------------------------------------------------------------
 * Torrents: add (.torrent bytes, magnet URI or bare info-hash), status, peers, remove, create
 *
 * A torrent is named by a 20-byte info-hash: its v1 info-hash, or for a v2-only torrent its v2
 * hash truncated to 20 bytes (libtorrent's own short form). Hybrid torrents are named by their v1
 * info-hash. Every call here blocks briefly (libtorrent runs it on its network thread); the work
 * itself (checking, metadata, download) goes on in the background and reports through alerts
 * (MTLT_ALERT_TORRENT_*). Host mode: a torrent added through an attached session lives in the
 * host's lt::session beside the host's own (qBittorrent does not list torrents it did not add, and
 * ignores their alerts). The attached session sees only the torrents added through it: status,
 * remove, connect_peer and list give MTLT_ENOTORRENT for (or leave out) the host's own torrents,
 * and only their alerts are kept; adding one the host already has gives MTLT_EDUPLICATE.
 * ------------------------------------------------------------------------------------------- */

/* mtlt_add_torrent_params.flags. Any other bit is refused with MTLT_EINVAL. */
/* The data is known to be complete on disk (the author seeding what it just created): no check
 * at start, pieces are verified lazily when first sent. Needs torrent_file (a magnet has no piece
 * hashes to trust yet). A piece that fails its check takes the torrent out of seed mode and
 * libtorrent rechecks every file. */
#define MTLT_TORRENT_SEED_MODE (1u << 0)
/* Start paused: no peers, no announces, until resumed (not in this API yet; remove and re-add). */
#define MTLT_TORRENT_PAUSED (1u << 1)
/* Upload only: requests no pieces and serves those it has (a partial copy kept as is). Combined
 * with MTLT_TORRENT_AUTO_MANAGED, libtorrent leaves upload mode again by itself after a while. */
#define MTLT_TORRENT_UPLOAD_MODE (1u << 2)
/* Download pieces in order (streaming); slower in a swarm. */
#define MTLT_TORRENT_SEQUENTIAL_DOWNLOAD (1u << 3)
/* Let libtorrent's queue start and stop the torrent (active_downloads, active_seeds limits), as
 * qBittorrent's queueing does. Without it the torrent runs as soon as it is added (the default). */
#define MTLT_TORRENT_AUTO_MANAGED (1u << 4)
/* Never announce to or look up peers on the DHT for this torrent (peers from the explicit list,
 * trackers and peer exchange only). */
#define MTLT_TORRENT_DISABLE_DHT (1u << 5)
/* No peer exchange (BEP 11) for this torrent. */
#define MTLT_TORRENT_DISABLE_PEX (1u << 6)

/* The struct version this header describes. */
#define MTLT_ADD_TORRENT_PARAMS_VERSION 1

/* A .torrent larger than this is refused (MTLT_EBADTORRENT): libtorrent's own decode limit. */
#define MTLT_TORRENT_FILE_MAX_SIZE 10000000

/* What to add. Exactly one source: torrent_file (the .torrent's bytes), magnet_uri, or info_hash
 * (a bare v1 info-hash: metadata and peers come from the DHT, the peer list or x.pe). Start from
 * MTLT_ADD_TORRENT_PARAMS_INIT or mtlt_add_torrent_params_init. Everything is copied during the
 * call; the caller keeps ownership. */
typedef struct mtlt_add_torrent_params {
    /* MTLT_ADD_TORRENT_PARAMS_VERSION. */
    int version;
    /* MTLT_TORRENT_* flags; 0 starts the torrent at once, not auto-managed. */
    uint32_t flags;

    /* Source 1: a .torrent file's bytes (1...MTLT_TORRENT_FILE_MAX_SIZE), v1, v2 or hybrid. */
    const uint8_t *torrent_file;
    size_t torrent_file_len;
    /* Source 2: a magnet URI (NUL-terminated), "magnet:?xt=urn:btih:<40 hex or 32 base32>..." or
     * urn:btmh. Its dn names the torrent until the metadata arrives; its tr trackers and x.pe peers
     * are used (a tracker host name is resolved over DNS: strip tr in safe mode). */
    const char *magnet_uri;
    /* Source 3: a bare v1 info-hash; has_info_hash says whether it is set. */
    uint8_t info_hash[20];
    int has_info_hash;

    /* Where the files go (the torrent's name is a file or folder in it). NUL-terminated, not empty;
     * created when the first piece is written. Required. */
    const char *save_path;

    /* Peers to connect to at once, each "IPv4:PORT" or "[IPv6]:PORT" (NUL-terminated; no host
     * names, which would need DNS). NULL when peer_count is 0. Peers learned elsewhere (a channel's
     * gossip, a loopback test) and kept in libtorrent's peer list like those of the DHT. */
    const char *const *peers;
    size_t peer_count;

    /* Must be zero. */
    uint64_t reserved[8];
} mtlt_add_torrent_params;

/* Empty params: `mtlt_add_torrent_params p = MTLT_ADD_TORRENT_PARAMS_INIT;` then set one source
 * and save_path. */
#define MTLT_ADD_TORRENT_PARAMS_INIT                                                             \
    {                                                                                            \
        MTLT_ADD_TORRENT_PARAMS_VERSION, 0, NULL, 0, NULL, {0}, 0, NULL, NULL, 0,                \
        {                                                                                        \
            0, 0, 0, 0, 0, 0, 0, 0                                                               \
        }                                                                                        \
    }

/* Fills *out as MTLT_ADD_TORRENT_PARAMS_INIT (for Swift). MTLT_EINVAL unless version is
 * MTLT_ADD_TORRENT_PARAMS_VERSION. */
int mtlt_add_torrent_params_init(mtlt_add_torrent_params *out, int version) MTLT_NOEXCEPT;

/* Adds a torrent and starts it (unless MTLT_TORRENT_PAUSED); out_info_hash = its info-hash (see
 * the section's first comment). Returns once libtorrent has the torrent; an MTLT_ALERT_TORRENT_ADDED
 * follows (owned mode: also after a failure libtorrent itself reported). The caller's peers are
 * connected on libtorrent's next connection tick (the session ticks every 500 ms). Errors: MTLT_EINVAL for NULL or missing arguments, not exactly one source, a
 * wrong version, unknown flag bits, non-zero reserved fields, a peer that is not IP:PORT, seed mode
 * without torrent_file; MTLT_EBADTORRENT for .torrent bytes or a magnet URI libtorrent refuses
 * (message says why); MTLT_EDUPLICATE when the session already has this info-hash. On failure
 * nothing was added and out_info_hash is untouched. */
int mtlt_torrent_add(mtlt_session *s, const mtlt_add_torrent_params *p, uint8_t out_info_hash[20]) MTLT_NOEXCEPT;

/* mtlt_torrent_status.state and mtlt_alert.torrent_state. */
/* Checking the files on disk against the piece hashes (at start, or after a recheck). */
#define MTLT_TORRENT_STATE_CHECKING 1
/* Added by magnet or info-hash: fetching the info dictionary from peers. */
#define MTLT_TORRENT_STATE_DOWNLOADING_METADATA 2
#define MTLT_TORRENT_STATE_DOWNLOADING 3
/* Every wanted piece is here, but not every piece (some files are not wanted). */
#define MTLT_TORRENT_STATE_FINISHED 4
/* Every piece is here; uploading. */
#define MTLT_TORRENT_STATE_SEEDING 5
/* Stopped by an error (a file could not be written...): error_code and error say which. Never in
 * MTLT_ALERT_TORRENT_STATE_CHANGED (libtorrent reports errors as MTLT_ALERT_TORRENT_ERROR). */
#define MTLT_TORRENT_STATE_ERROR 6

/* The struct version this header describes. */
#define MTLT_TORRENT_STATUS_VERSION 1

/* A torrent's status (mtlt_torrent_get_status). The caller sets `version` to
 * MTLT_TORRENT_STATUS_VERSION; the library writes every other field. */
typedef struct mtlt_torrent_status {
    int version;
    /* MTLT_TORRENT_STATE_*. */
    int state;
    uint8_t info_hash[20];
    /* 1 once the info dictionary is known (always for a .torrent). */
    int has_metadata;
    /* 1 when paused (MTLT_TORRENT_PAUSED, or an auto-managed torrent the queue stopped). */
    int is_paused;
    /* Fraction of the wanted bytes present and verified, 0...1 (0 without metadata). */
    double progress;
    /* Wanted bytes present and verified, and wanted bytes in all (0 without metadata). */
    int64_t total_done;
    int64_t total_wanted;
    /* Payload bytes (file data) downloaded and uploaded since the torrent was added. */
    int64_t total_download;
    int64_t total_upload;
    /* Connected peers, of which seeds. */
    int num_peers;
    int num_seeds;
    /* Payload rates in bytes per second, libtorrent's running averages. */
    int download_rate;
    int upload_rate;
    /* The error's value (0: none), with error below. */
    int error_code;
    int reserved_int;
    /* NUL-terminated UTF-8, never NULL: the torrent's name (the magnet's dn or "" before the
     * metadata), its save path, and the error's message ("" when none). They point into the
     * calling thread's storage and stay valid until the same thread's next
     * mtlt_torrent_get_status call (like mtlt_error_last): copy them first. */
    const char *name;
    const char *save_path;
    const char *error;
    /* Zeroed by the library. */
    uint64_t reserved[8];
} mtlt_torrent_status;

/* Writes the status of the torrent `info_hash` into *out. MTLT_ENOTORRENT when the session has no
 * such torrent; MTLT_EINVAL for NULL arguments or out->version not MTLT_TORRENT_STATUS_VERSION.
 * Blocks briefly. */
int mtlt_torrent_get_status(mtlt_session *s, const uint8_t info_hash[20], mtlt_torrent_status *out) MTLT_NOEXCEPT;

/* Removes the torrent: peers are disconnected, trackers hear "stopped"; with delete_files 1 its
 * files (and libtorrent's part file) are deleted from save_path too. Returns at once;
 * MTLT_ALERT_TORRENT_REMOVED follows, then with delete_files an MTLT_ALERT_TORRENT_FILES_DELETED
 * (error_code 0, or the reason the files could not all be deleted). MTLT_ENOTORRENT when there is
 * no such torrent; MTLT_EINVAL when delete_files is not 0 or 1. */
int mtlt_torrent_remove(mtlt_session *s, const uint8_t info_hash[20], int delete_files) MTLT_NOEXCEPT;

/* Connects the torrent to the peer host:port now (and keeps it in the peer list). host is an IPv4
 * or IPv6 address literal (no host names: no DNS); port 1...65535. Returns at once; a failed
 * connection is only seen in the status (num_peers). MTLT_ENOTORRENT, MTLT_EINVAL. */
int mtlt_torrent_connect_peer(mtlt_session *s, const uint8_t info_hash[20], const char *host,
                              int port) MTLT_NOEXCEPT;

/* *out (malloc'd, release with mtlt_buffer_free; NULL when *out_count is 0) = *out_count
 * info-hashes of 20 bytes each, back to back: every torrent of an owned session; for an attached
 * session (host mode), the torrents added through it that are still in the host's session. */
int mtlt_torrent_list(mtlt_session *s, uint8_t **out, size_t *out_count) MTLT_NOEXCEPT;

/* Asks libtorrent for the status of every torrent whose status changed since the last ask: one
 * MTLT_ALERT_TORRENT_PROGRESS per torrent follows (none when nothing changed). Returns at once.
 * Why: progress without polling each torrent; call it on a timer while someone watches. Host mode:
 * the host pops the underlying state_update alert too (qBittorrent handles one it did not ask for
 * like its own). */
int mtlt_session_post_torrent_updates(mtlt_session *s) MTLT_NOEXCEPT;

/* mtlt_torrent_create flags. */
/* A hybrid torrent (v1 and v2 metadata, BEP 52): piece_size must then be 0 or a power of two of
 * at least 16 KiB. Without it the torrent is v1 only. */
#define MTLT_CREATE_HYBRID (1u << 0)
/* Write a "creation date" (now). Without it the output is a pure function of the file's name and
 * content, piece_size, trackers and flags: anyone recomputes the same bytes and info-hash. */
#define MTLT_CREATE_CREATION_DATE (1u << 1)

/* Makes a .torrent for the single regular file at file_path with libtorrent's create_torrent:
 * the torrent's name is the file's name (its last path component), its info dictionary holds
 * length, name, piece length and pieces (hybrid: also the v2 fields). piece_size is 0 (libtorrent
 * chooses) or a power of two from 16384 to 128 MiB. trackers: tracker_count announce URLs (NULL
 * when 0), all in tier 0. No "created by", no comment, no creation date unless asked: deterministic.
 * *out_torrent (malloc'd, release with mtlt_buffer_free) and *out_len = the .torrent's bytes;
 * out_info_hash = its v1 info-hash. Reads the whole file (hashing it) on the calling thread.
 * MTLT_EINVAL for bad arguments, a path that is not a regular file, an empty file, unknown flags;
 * MTLT_ELIBTORRENT when reading fails. Needs no session. */
int mtlt_torrent_create(const char *file_path, int piece_size, const char *const *trackers, size_t tracker_count,
                        uint32_t flags, uint8_t **out_torrent, size_t *out_len,
                        uint8_t out_info_hash[20]) MTLT_NOEXCEPT;

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
/* Torrents. Each carries info_hash (see the torrent section), lt_name and message; host mode keeps
 * them only for torrents added through the attached session. */
/* mtlt_torrent_add's torrent is in the session: error_code 0. (Owned mode: libtorrent also reports
 * adds that failed, error_code and message set, under the info-hash that was refused, possibly one
 * the session already has; mtlt_torrent_add has returned that error already.) */
#define MTLT_ALERT_TORRENT_ADDED 7
/* The info dictionary arrived from a peer (magnet or info-hash); the download starts. */
#define MTLT_ALERT_TORRENT_METADATA 8
/* Every wanted piece is here and verified (also after a check that found the data complete). */
#define MTLT_ALERT_TORRENT_FINISHED 9
/* The state changed: torrent_state = the new MTLT_TORRENT_STATE_* (never ERROR). */
#define MTLT_ALERT_TORRENT_STATE_CHANGED 10
/* The torrent stopped on an error (a file it could not write...): error_code, message. */
#define MTLT_ALERT_TORRENT_ERROR 11
/* The torrent left the session (mtlt_torrent_remove, or the host removed it). */
#define MTLT_ALERT_TORRENT_REMOVED 12
/* After a remove with delete_files: error_code 0 when the files are deleted, else why not. */
#define MTLT_ALERT_TORRENT_FILES_DELETED 13
/* One torrent's status after mtlt_session_post_torrent_updates: torrent_state, total_done,
 * total_wanted, progress_ppm, num_peers, num_seeds, download_rate, upload_rate (as in
 * mtlt_torrent_status). */
#define MTLT_ALERT_TORRENT_PROGRESS 14
/* A DHT peer lookup (mtlt_dht_get_peers) ended: info_hash, and value holds the peers, 18 bytes each
 * (value_len / 18 of them): a 16-byte IPv6 address (an IPv4 one as ::ffff:a.b.c.d), then the TCP
 * port, big-endian. value is NULL when none was found. */
#define MTLT_ALERT_DHT_PEERS 15

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
    const uint8_t *value;      /* MUTABLE_ITEM, IMMUTABLE_ITEM: bencoded; DHT_PEERS: the peers; NULL when value_len is 0 */
    size_t value_len;          /* 0: nothing was found */

    /* Listen sockets. */
    const char *address;       /* LISTEN_*: the IP address, for example "127.0.0.1"; else NULL */
    int port;                  /* LISTEN_* */
    int socket_type;           /* LISTEN_*: MTLT_SOCKET_* */
    int error_code;            /* LISTEN_FAILED, TORRENT_ADDED, TORRENT_ERROR, TORRENT_FILES_DELETED:
                                * the system or libtorrent error value, 0 for none */

    int reserved_int2;         /* zero */

    /* Torrents (the former reserved[] tail; the layout before it is unchanged). */
    uint8_t info_hash[20];     /* TORRENT_*: the torrent's 20-byte info-hash; DHT_PEERS: the looked-up one */
    int torrent_state;         /* TORRENT_STATE_CHANGED, TORRENT_PROGRESS: MTLT_TORRENT_STATE_* */
    int64_t total_done;        /* TORRENT_PROGRESS: wanted bytes present and verified */
    int64_t total_wanted;      /* TORRENT_PROGRESS: wanted bytes (0 without metadata) */
    int progress_ppm;          /* TORRENT_PROGRESS: progress in millionths, 0...1000000 */
    int num_peers;             /* TORRENT_PROGRESS: connected peers */
    int num_seeds;             /* TORRENT_PROGRESS: of which seeds */
    int download_rate;         /* TORRENT_PROGRESS: payload bytes per second */
    int upload_rate;           /* TORRENT_PROGRESS: payload bytes per second */
    int reserved_int3;         /* zero */
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
 * session's alert_mask is status | error | dht | dht_operation | storage), plus the listen alerts of start-up. Host
 * mode: the alerts the host forwarded with mtlt_session_handle_alert. One libtorrent state_update
 * alert becomes one MTLT_ALERT_TORRENT_PROGRESS per torrent. */
int mtlt_session_pop_alerts(mtlt_session *s, const mtlt_alert **out_alerts, size_t *out_count) MTLT_NOEXCEPT;

/* ---------------------------------------------------------------------------------------------
 * Host mode: the host's own lt::session (qBittorrent)
 * ------------------------------------------------------------------------------------------- */

/* Wraps a session the host made and runs, so one process runs one DHT node. `host_lt_session` is an
 * `lt::session *` from a host built against the same libtorrent
 * (same major.minor and ABI defines: see abi_config.hpp); it is borrowed, never destroyed, and must
 * outlive *out (free *out first). Attaching adds the categories the shim needs and the host's
 * alert_mask lacks (status, error, dht, dht_operation, storage; qBittorrent usually lacks dht and dht_operation) and changes
 * nothing else, so the host sees the alerts it must forward. The host keeps popping its alerts
 * itself and passes every one to mtlt_session_handle_alert (at least: the dht_* item, put, get_peers_reply and
 * bootstrap alerts, add_torrent, metadata_received, torrent_finished, state_changed, torrent_error,
 * torrent_removed, torrent_deleted, torrent_delete_failed and state_update); the shim never pops
 * the host's queue and never touches its notify hook. Every other function works on an attached
 * session as on an owned one. */
int mtlt_session_attach(mtlt_session **out, void *host_lt_session) MTLT_NOEXCEPT;

/* Host mode: the host forwards one alert it popped (`lt_alert` is a `lt::alert const *`, valid
 * during this call only: it is copied). Alerts of kinds the shim does not use are ignored, and so
 * are torrent alerts of torrents not added through this attached session (the host's own), so a
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
