/*
 * megatorrent.h: the C ABI of libmegatorrent.
 *
 * Megatorrent adds signed, updateable channels to BitTorrent: an Ed25519 key is a channel's address,
 * and its author publishes signed JSON manifests of magnet links. This header is the whole C
 * surface; docs/c-api.md is its reference.
 *
 * Conventions (libgit2's):
 *  - Every symbol starts with `mt_` (macros with `MT_`).
 *  - Functions return int: 0 (MT_OK) on success or a negative mt_error_code. After a failure,
 *    mt_error_last() gives a one-line message for the calling thread.
 *  - Out parameters come first. On failure they are left untouched unless documented otherwise.
 *  - Opaque handles are made by mt_<type>_new/_generate/_load and released by mt_<type>_free;
 *    freeing NULL is a no-op.
 *  - Option structs carry a version field; initialise them with their _INIT macro.
 *  - Strings the library allocates are released with mt_string_free, and with nothing else.
 *  - Nothing throws or aborts across this boundary: bad input gives an error code.
 *
 * Thread safety: every function may be called from any thread. An mt_key (and an mt_static_key) is
 * immutable once made and may be shared by threads. mt_error_last() is per thread. The secure
 * transport's handles say what may run concurrently on them.
 */
#ifndef MEGATORRENT_H
#define MEGATORRENT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define MT_EXTERN __attribute__((visibility("default")))
#else
#define MT_EXTERN
#endif

/** The library's version, also returned by mt_version(). */
#define MEGATORRENT_VERSION "0.1.0"
#define MEGATORRENT_VERSION_MAJOR 0
#define MEGATORRENT_VERSION_MINOR 1
#define MEGATORRENT_VERSION_PATCH 0

/** Return codes: MT_OK or a negative value. */
typedef enum mt_error_code {
    MT_OK = 0,
    /** An argument was invalid: NULL where a value is required, or an options struct of an unknown version. */
    MT_EINVAL = -1,
    /** The manifest was refused; the mt_manifest_status out parameter says why. */
    MT_EMANIFEST = -2,
    /** No file at the given path. */
    MT_ENOTFOUND = -3,
    /** A key file is readable by group or others (chmod 600 fixes it). */
    MT_EPERMISSIONS = -4,
    /** A key file is not 32 bytes or not a regular file. */
    MT_ECORRUPT = -5,
    /** Refused to overwrite an existing file. */
    MT_EEXISTS = -6,
    /** An operating-system or OpenSSL operation failed; see mt_error_last(). */
    MT_EOS = -7,
    /** Nothing came back in the time allowed (a DHT lookup, a put). */
    MT_ETIMEDOUT = -8,
    /** What the network returned was refused (a forged DHT item, a manifest torrent that does not match). */
    MT_EREFUSED = -9,
    /** The call does not fit the handle's state (no session attached, or one attached already; a second
     *  thread receiving or accepting on a handle while another waits). */
    MT_ESTATE = -10,
    /**
     * The secure handshake failed: the peer does not hold the static key the caller expected (it then
     * closes without answering), speaks another protocol version, refused our key or our initiation
     * (a replay), sent garbage, or closed the connection before the handshake finished.
     */
    MT_EHANDSHAKE = -11,
    /**
     * A secure connection could not be made (connection refused, host unreachable, name not resolved)
     * or broke: reset, ended without the peer's close record (possibly cut by an attacker), or a
     * record that did not authenticate. The socket is unusable; free it.
     */
    MT_ECONNECTION = -12,
    /** The secure socket or listener was closed: by mt_secure_close / mt_secure_listener_close on this
     *  side, or (for a send) by the peer's clean close. */
    MT_ECLOSED = -13,
    /** Any other failure; see mt_error_last(). */
    MT_ERROR = -100
} mt_error_code;

/**
 * Why a manifest was refused (0 means valid). The numbers are stable and match the codes of
 * docs/manifest.md and the CLI's --json output.
 */
typedef enum mt_manifest_status {
    MT_MANIFEST_VALID = 0,
    MT_MANIFEST_TOO_LARGE = 1,          /**< over 1 MiB */
    MT_MANIFEST_MALFORMED_JSON = 2,     /**< not strict JSON: grammar, UTF-8, lone surrogate, duplicate key, depth */
    MT_MANIFEST_NOT_AN_OBJECT = 3,
    MT_MANIFEST_MISSING_FIELD = 4,
    MT_MANIFEST_INVALID_FIELD = 5,      /**< a field of the wrong type or shape */
    MT_MANIFEST_INVALID_PUBLIC_KEY = 6, /**< not 64 lowercase hex digits */
    MT_MANIFEST_WEAK_PUBLIC_KEY = 7,    /**< low-order or non-canonical Ed25519 point */
    MT_MANIFEST_SEQUENCE_OUT_OF_RANGE = 8,
    MT_MANIFEST_TIMESTAMP_OUT_OF_RANGE = 9,
    MT_MANIFEST_TOO_MANY_COLLECTIONS = 10,
    MT_MANIFEST_TOO_MANY_ITEMS = 11,
    MT_MANIFEST_TITLE_TOO_LONG = 12,
    MT_MANIFEST_INVALID_ITEM = 13,      /**< an item that is not a valid magnet URI */
    MT_MANIFEST_INVALID_SIGNATURE_ENCODING = 14,
    MT_MANIFEST_BAD_SIGNATURE = 15,
    MT_MANIFEST_KEY_MISMATCH = 16,      /**< signed by another key than the one expected */
    MT_MANIFEST_STALE_SEQUENCE = 17,    /**< not above the last accepted sequence (replay) */
    MT_MANIFEST_INVALID_BLOB_LINK = 18  /**< an item that sets out to be a blob link (mtk, xs=urn:mtblob:) and is not a valid one */
} mt_manifest_status;

/** The library's version string, e.g. "0.1.0". Static storage: never free it. */
MT_EXTERN const char *mt_version(void);

/**
 * A one-line description of the last failure on the calling thread, or NULL if no call on this
 * thread has failed. Valid until the next failing call on the same thread; do not free it.
 */
MT_EXTERN const char *mt_error_last(void);

/** Releases a string the library allocated. NULL is a no-op. */
MT_EXTERN void mt_string_free(char *string);

/* ---- Keys ------------------------------------------------------------------------------------ */

/** A channel's Ed25519 signing key. Immutable; safe to share between threads. Its secret is wiped on free. */
typedef struct mt_key mt_key;

/** Makes a new random key. Release it with mt_key_free. */
MT_EXTERN int mt_key_generate(mt_key **out);

/**
 * Loads a key file (the 32-byte seed). Fails with MT_ENOTFOUND, MT_EPERMISSIONS (readable by
 * group or others), MT_ECORRUPT (wrong size, not a regular file) or MT_EOS.
 */
MT_EXTERN int mt_key_load(mt_key **out, const char *path);

/**
 * Writes `key` to `path` atomically with mode 0600. Unless `overwrite` is non-zero, an existing
 * file is kept and MT_EEXISTS returned.
 */
MT_EXTERN int mt_key_save(const mt_key *key, const char *path, int overwrite);

/**
 * The channel id of `key`: its public key as 64 lowercase hex digits. `*out` is set to a string
 * the caller releases with mt_string_free.
 */
MT_EXTERN int mt_key_public_hex(char **out, const mt_key *key);

/** Releases a key and wipes its secret. NULL is a no-op. */
MT_EXTERN void mt_key_free(mt_key *key);

/* ---- Manifests ------------------------------------------------------------------------------- */

#define MT_SIGN_OPTIONS_VERSION 1

/** Options of mt_manifest_sign. */
typedef struct mt_sign_options {
    unsigned int version;  /**< MT_SIGN_OPTIONS_VERSION */
    uint64_t sequence;     /**< 0 ... 2^53-1; each new version of a channel needs a higher one */
    uint64_t timestamp_ms; /**< milliseconds since the Unix epoch; 0 means now */
    uint64_t reserved[4];  /**< zero */
} mt_sign_options;

#define MT_SIGN_OPTIONS_INIT { MT_SIGN_OPTIONS_VERSION, 0, 0, { 0, 0, 0, 0 } }

/**
 * Signs unsigned manifest JSON (an object with "collections"; other unknown fields are kept) of
 * `length` bytes. Fields publicKey, sequence, timestamp and signature of the input are replaced.
 * On success `*out_json` is the signed manifest (RFC 8785 canonical JSON, NUL-terminated), to be
 * released with mt_string_free. On refused input returns MT_EMANIFEST and sets `*out_status`
 * (which may be NULL if the caller does not want it).
 */
MT_EXTERN int mt_manifest_sign(
    char **out_json, mt_manifest_status *out_status, const mt_key *key, const char *unsigned_json,
    size_t length, const mt_sign_options *options);

#define MT_MANIFEST_INFO_VERSION 1

/** What mt_manifest_verify learned about a valid manifest. */
typedef struct mt_manifest_info {
    unsigned int version;  /**< MT_MANIFEST_INFO_VERSION, set by the caller */
    char channel[65];      /**< the signer's public key, 64 lowercase hex digits and a NUL */
    uint64_t sequence;
    uint64_t timestamp_ms;
    uint32_t collections;  /**< number of collections */
    uint32_t items;        /**< number of items over all collections */
    uint64_t reserved[4];
} mt_manifest_info;

#define MT_MANIFEST_INFO_INIT { MT_MANIFEST_INFO_VERSION, { 0 }, 0, 0, 0, 0, { 0, 0, 0, 0 } }

/**
 * Verifies a signed manifest of `length` bytes: strict JSON, the validation rules and limits of
 * docs/manifest.md, and a strict Ed25519 signature over its canonical form. When
 * `expected_channel` is not NULL (64 hex digits or a magnet:?xs=urn:btpk: link) the manifest
 * must be signed by that key.
 *
 * Returns MT_OK and sets `*out_status` to MT_MANIFEST_VALID (and fills `*out_info` when not NULL),
 * or returns MT_EMANIFEST with the reason in `*out_status`, or MT_EINVAL for a NULL `out_status`
 * or `json`, an unknown `out_info->version` or an unparseable `expected_channel`.
 * This function keeps no state: replay protection (sequence above the last accepted) is the
 * caller's, or the subscription engine's.
 */
MT_EXTERN int mt_manifest_verify(
    mt_manifest_status *out_status, mt_manifest_info *out_info, const char *json, size_t length,
    const char *expected_channel);


/* ---- Nodes and subscriptions ----------------------------------------------------------------- */

/**
 * A Megatorrent node: a state folder (SQLite: followed channels, last sequences, manifests,
 * equivocation evidence) and the subscription engine that judges manifests from every source.
 * Thread-safe: any function may be called from any thread; calls are serialised inside.
 */
typedef struct mt_node mt_node;

#define MT_NODE_OPTIONS_VERSION 1

/** Options of mt_node_new. */
typedef struct mt_node_options {
    unsigned int version;   /**< MT_NODE_OPTIONS_VERSION */
    const char *state_dir;  /**< the state folder; NULL: $MEGATORRENT_HOME, else the XDG data folder */
    uint64_t reserved[4];   /**< zero */
} mt_node_options;

#define MT_NODE_OPTIONS_INIT { MT_NODE_OPTIONS_VERSION, NULL, { 0, 0, 0, 0 } }

/** Opens (creating when needed) the node's state folder. Release with mt_node_free. */
MT_EXTERN int mt_node_new(mt_node **out, const mt_node_options *options);

/**
 * Releases the node. No event callback runs after it returns. Must not be called from inside an
 * event callback. NULL is a no-op.
 */
MT_EXTERN void mt_node_free(mt_node *node);

/** Follows a channel (64 hex digits or magnet:?xs=urn:btpk:...); kept across restarts. */
MT_EXTERN int mt_node_subscribe(mt_node *node, const char *channel);

/** Stops following a channel. Not following it is not an error. */
MT_EXTERN int mt_node_unsubscribe(mt_node *node, const char *channel);

/**
 * The followed channels as 64-hex strings: `*out_channels` is an array of `*out_count` strings, to
 * be released with mt_string_array_free.
 */
MT_EXTERN int mt_node_subscriptions(char ***out_channels, size_t *out_count, mt_node *node);

/** Releases an array of strings returned by the library. NULL is a no-op. */
MT_EXTERN void mt_string_array_free(char **strings, size_t count);

/**
 * The newest manifest held for a channel (RFC 8785 JSON), released with mt_string_free; or
 * MT_ENOTFOUND when none is held.
 */
MT_EXTERN int mt_node_latest_manifest(char **out_json, mt_node *node, const char *channel);

/** What became of an offered manifest. */
typedef enum mt_offer_outcome {
    MT_OFFER_UPDATED = 0,      /**< newer than anything held: accepted, stored, reported */
    MT_OFFER_DUPLICATE = 1,    /**< the manifest already held */
    MT_OFFER_STALE = 2,        /**< not above the last accepted sequence (replay or rollback) */
    MT_OFFER_NOT_FOLLOWED = 3, /**< a channel the node does not follow: ignored */
    MT_OFFER_INVALID = 4,      /**< refused by validation or verification */
    MT_OFFER_EQUIVOCATION = 5  /**< same key and sequence as the held one, different content */
} mt_offer_outcome;

/**
 * Hands the node a manifest from a source of the caller's (a feed, a file, another protocol).
 * `source` is a label for events (NULL: "local"). Returns MT_OK with the outcome, or MT_EINVAL.
 */
MT_EXTERN int mt_node_offer_manifest(
    mt_offer_outcome *out_outcome, mt_node *node, const char *json, size_t length, const char *source);

/** Kinds of node events. */
typedef enum mt_event_kind {
    MT_EVENT_UPDATED = 0,      /**< a newer valid manifest of a followed channel */
    MT_EVENT_REFUSED = 1,      /**< a manifest was refused (`status` says why) */
    MT_EVENT_EQUIVOCATION = 2  /**< two valid manifests, one key, one sequence: `json` is the offered one */
} mt_event_kind;

/**
 * An event. Every pointer is valid only during the callback; copy what you keep.
 */
typedef struct mt_event {
    unsigned int version;      /**< 1 */
    mt_event_kind kind;
    const char *channel;       /**< 64 hex digits, or NULL when a refused manifest's key was unreadable */
    uint64_t sequence;         /**< the manifest's sequence (0 for REFUSED) */
    uint64_t previous;         /**< the sequence it replaced (UPDATED; 0 when none) */
    const char *json;          /**< the manifest (UPDATED, EQUIVOCATION), NUL-terminated; else NULL */
    size_t json_length;
    const char *source;        /**< where it came from: "local", "dht", "tracker URL", "peer ..." */
    mt_manifest_status status; /**< the reason (REFUSED); MT_MANIFEST_VALID otherwise */
    uint64_t reserved[4];
} mt_event;

/** An event callback. It runs on a library thread, never on the caller's; keep it short. */
typedef void (*mt_event_cb)(const mt_event *event, void *payload);

/**
 * Sets (or with NULL clears) the node's event callback. Events from before the call are not
 * replayed. After it returns, the previous callback is not called again.
 */
MT_EXTERN int mt_node_set_event_callback(mt_node *node, mt_event_cb callback, void *payload);

/* ---- The DHT through a libtorrent session (host mode) ------------------------------------------ */

#define MT_DHT_OPTIONS_VERSION 1

/** Options of mt_node_attach_session. Zero fields take the defaults. */
typedef struct mt_dht_options {
    unsigned int version;              /**< MT_DHT_OPTIONS_VERSION */
    unsigned int resolve_interval_s;   /**< mean seconds between resolutions of each followed channel (0: 600) */
    unsigned int resolve_timeout_s;    /**< seconds one resolution may take (0: 60) */
    unsigned int republish_interval_s; /**< mean seconds between re-puts of held pointers (0: 3600) */
    const char *store_dir;             /**< where manifest torrents are kept; NULL: "channels" in the state folder */
    uint64_t reserved[4];              /**< zero */
} mt_dht_options;

#define MT_DHT_OPTIONS_INIT { MT_DHT_OPTIONS_VERSION, 0, 0, 0, NULL, { 0, 0, 0, 0 } }

/**
 * Host mode: attaches the node to the host's own libtorrent session, so one process runs one DHT
 * node. `lt_session` is a `lt::session *` from a host built against the same libtorrent (Debian's
 * libtorrent-rasterbar 2.0). The session is borrowed: it must outlive the node (or a call of
 * mt_node_detach_session); the node never shuts it down. Attaching adds the alert categories the
 * node needs (status, error, DHT, storage) to the session's mask.
 *
 * From then on the node resolves its followed channels on the DHT (at once, then every
 * `resolve_interval_s`, jittered), reports new manifests through the event callback (source
 * "dht"), seeds the manifest torrents it holds in the host's session, and re-puts their pointers.
 * The host must pass every alert it pops to mt_node_forward_alert. MT_ESTATE when a session is
 * attached already.
 *
 * The node adds its own manifest torrents to the session (no userdata in their add_torrent_params).
 * The host must leave them running: not pause, stop or remove them (a host plugin that pauses every
 * torrent once its metadata arrives stalls each DHT resolution), and not list them as its own.
 */
MT_EXTERN int mt_node_attach_session(mt_node *node, void *lt_session, const mt_dht_options *options);

/**
 * Passes one alert the host popped (an `lt::alert const *`) to the node. Cheap and never blocks;
 * the alert is read during the call only. Alerts the node does not use are ignored, so a host may
 * pass all of them. Call it from the thread that pops alerts. MT_ESTATE without a session.
 */
MT_EXTERN int mt_node_forward_alert(mt_node *node, const void *lt_alert);

/**
 * Stops the node's DHT duties and lets go of the host's session (torrents the node added stay in
 * it). Waits for a resolution or put in progress to end. Not attached is not an error. Must not be
 * called from the thread that forwards alerts while a DHT call is in progress.
 */
MT_EXTERN int mt_node_detach_session(mt_node *node);

/**
 * Publishes a signed manifest on the DHT with its channel `key`: seeds its manifest torrent in the
 * session, puts the BEP 46 pointer (seq = the manifest's sequence), keeps the signed pointer beside
 * the manifest in the state folder and re-puts it while attached. Blocks until the put has ended
 * (at most about 60 s): never call it from the thread that forwards alerts. `*out_answers` (may be
 * NULL) receives how many DHT nodes answered the put (no proof of storage). MT_EMANIFEST for a
 * manifest that does not verify or is not `key`'s; MT_ESTATE without a session.
 */
MT_EXTERN int mt_node_publish_dht(int *out_answers, mt_node *node, const mt_key *key, const char *json, size_t length);

/**
 * Resolves a channel on the DHT now: gets its pointer, fetches the manifest torrent it names
 * through the session, checks it (signature, key, sequence, content) and offers it to the node
 * (events fire when the channel is followed). Blocks up to `timeout_ms` (0: the attach options'
 * resolve timeout): never call it from the thread that forwards alerts. On MT_OK `*out_json` is the
 * newest valid manifest found (release with mt_string_free). MT_ENOTFOUND when no node has a
 * pointer, MT_ETIMEDOUT, MT_EREFUSED for a forged or mismatched record (mt_error_last() says what),
 * MT_ESTATE without a session.
 */
MT_EXTERN int mt_node_resolve_dht(char **out_json, mt_node *node, const char *channel, unsigned int timeout_ms);

/* ---- Secure transport (Noise IK) ------------------------------------------------------------------ */

/*
 * Encrypted, mutually authenticated TCP connections: Noise_IK_25519_ChaChaPoly_BLAKE2s with
 * fixed-size records (docs/transport.md is the wire contract). Each side has a static X25519 key
 * pair (mt_static_key); the connecting side must know the listener's public key in advance, and the
 * listener learns the connecting side's public key from the handshake (mt_secure_remote_static).
 * Messages are byte strings of 0 to MT_SECURE_MAX_MESSAGE bytes, delivered whole and in order.
 *
 * Timeouts are in milliseconds. For mt_secure_receive and mt_secure_accept, 0 means "only what has
 * arrived already" (a poll) and MT_TIMEOUT_INFINITE means no limit; a timeout never harms the
 * handle: call again to keep waiting.
 */

/** The largest message mt_secure_send sends and mt_secure_receive accepts: 4 MiB. A peer sending a
 *  larger one breaks the connection (MT_ECONNECTION). */
#define MT_SECURE_MAX_MESSAGE ((size_t)4 << 20)

/** A timeout of mt_secure_receive / mt_secure_accept that never expires. */
#define MT_TIMEOUT_INFINITE 0xFFFFFFFFu

/** The length of X25519 public keys (and of key files). */
#define MT_STATIC_KEY_PUBLIC_LENGTH 32

/**
 * A node's static X25519 key pair for the secure transport (not a channel key: see mt_key).
 * Immutable; safe to share between threads, and between any number of sockets and listeners, which
 * keep their own reference (it may be freed while they live). Its secret is wiped on free.
 */
typedef struct mt_static_key mt_static_key;

/** Makes a new random static key. Release it with mt_static_key_free. */
MT_EXTERN int mt_static_key_generate(mt_static_key **out);

/**
 * Loads a static key file (the 32-byte X25519 private key, as the CLI's node.key) under the key-file
 * rules of mt_key_load: MT_ENOTFOUND, MT_EPERMISSIONS (readable by group or others), MT_ECORRUPT (not
 * 32 bytes, not a regular file) or MT_EOS.
 */
MT_EXTERN int mt_static_key_load(mt_static_key **out, const char *path);

/**
 * Writes `key` to `path` atomically with mode 0600. Unless `overwrite` is non-zero, an existing file
 * is kept and MT_EEXISTS returned.
 */
MT_EXTERN int mt_static_key_save(const mt_static_key *key, const char *path, int overwrite);

/** Copies the key's 32-byte public key (what peers must know to connect to it) into `out`. */
MT_EXTERN int mt_static_key_public(uint8_t out[32], const mt_static_key *key);

/** Releases a static key and wipes its secret. NULL is a no-op. */
MT_EXTERN void mt_static_key_free(mt_static_key *key);

/**
 * A secure connection, made by mt_secure_connect or mt_secure_accept and released by
 * mt_secure_free.
 *
 * Threads: mt_secure_send may be called from several threads at once (each message goes out whole)
 * and alongside a receive; only one thread may wait in mt_secure_receive at a time (another gets
 * MT_ESTATE). mt_secure_close may be called from any thread, also to wake a thread blocked in
 * mt_secure_receive (which then returns MT_ECLOSED). mt_secure_free must be called once, after every
 * other call on the socket has returned.
 */
typedef struct mt_secure_socket mt_secure_socket;

/**
 * Connects to `host:port` (a name or an IPv4/IPv6 address), runs the handshake as initiator with
 * `local`, and succeeds only if the peer proves it holds the private key of `remote_static` (32
 * bytes). `timeout_ms` bounds the TCP connect and then the handshake, each (0: 10 s). Blocks the
 * calling thread. On MT_OK `*out` is a socket to release with mt_secure_free.
 *
 * Errors: MT_EINVAL (NULL argument, port 0), MT_ECONNECTION (refused, unreachable, unresolved),
 * MT_ETIMEDOUT, MT_EHANDSHAKE (the peer holds another key, speaks another version, refused us).
 */
MT_EXTERN int mt_secure_connect(
    mt_secure_socket **out, const char *host, uint16_t port, const mt_static_key *local,
    const uint8_t remote_static[32], unsigned int timeout_ms);

/**
 * Sends one message of `len` bytes (0 to MT_SECURE_MAX_MESSAGE; `data` may be NULL when `len` is 0).
 * Returns once the message was handed to the network. `data` is read during the call only.
 *
 * Errors: MT_EINVAL (NULL socket, NULL data with len > 0, len over MT_SECURE_MAX_MESSAGE), MT_ECLOSED
 * (closed by this side or cleanly by the peer), MT_ECONNECTION (the connection broke).
 */
MT_EXTERN int mt_secure_send(mt_secure_socket *sock, const void *data, size_t len);

/**
 * Receives the next message, waiting up to `timeout_ms` (0: poll; MT_TIMEOUT_INFINITE: no limit).
 *
 * - MT_OK with `*out_data` a library buffer of `*out_len` bytes, to release with mt_buffer_free. An
 *   empty message gives a non-NULL buffer and a length of 0.
 * - MT_OK with `*out_data` NULL and `*out_len` 0: the peer closed cleanly (end of stream); every
 *   later call says the same.
 * - MT_ETIMEDOUT: nothing arrived in time. The connection is unharmed and no message is lost.
 * - MT_ECONNECTION: the connection broke (reset, or ended without the peer's close record: the
 *   stream may have been cut short). MT_ECLOSED: this side closed the socket.
 * - MT_ESTATE: another thread is waiting in mt_secure_receive on this socket. MT_EINVAL: NULL argument.
 */
MT_EXTERN int mt_secure_receive(void **out_data, size_t *out_len, mt_secure_socket *sock, unsigned int timeout_ms);

/** Releases a buffer returned by mt_secure_receive. NULL is a no-op. */
MT_EXTERN void mt_buffer_free(void *buffer);

/** Copies the peer's static public key (32 bytes), authenticated by the handshake, into `out`. */
MT_EXTERN int mt_secure_remote_static(uint8_t out[32], const mt_secure_socket *sock);

/**
 * Closes the connection cleanly: sends the close record (the peer's receive then reports end of
 * stream) and closes TCP. Waits until the connection is closed. Later sends and receives return
 * MT_ECLOSED; a thread blocked in mt_secure_receive wakes with MT_ECLOSED. Closing again is MT_OK.
 * MT_EINVAL for NULL.
 */
MT_EXTERN int mt_secure_close(mt_secure_socket *sock);

/** Closes the socket (as mt_secure_close) if it is open and releases it. NULL is a no-op. */
MT_EXTERN void mt_secure_free(mt_secure_socket *sock);

/**
 * A listening socket that accepts secure connections, made by mt_secure_listen and released by
 * mt_secure_listener_free. Each incoming connection runs the handshake as responder in the
 * background (at most 10 s); mt_secure_accept returns only connections whose handshake finished.
 * Up to 256 finished connections wait to be accepted; more are closed.
 *
 * Threads: only one thread may wait in mt_secure_accept at a time (another gets MT_ESTATE).
 * mt_secure_listener_port and mt_secure_listener_close may be called from any thread (close also
 * wakes a thread blocked in mt_secure_accept). mt_secure_listener_free must be called once, after
 * every other call on the listener has returned. Accepted sockets are independent of the listener
 * and may outlive it.
 */
typedef struct mt_secure_listener mt_secure_listener;

/**
 * Listens on `host:port` (an address such as "127.0.0.1", "0.0.0.0" or "::"; port 0 picks a free
 * port, see mt_secure_listener_port) as the holder of `local`. Release with mt_secure_listener_free.
 * Errors: MT_EINVAL (NULL argument), MT_EOS (the address cannot be bound: in use, not local).
 */
MT_EXTERN int mt_secure_listen(mt_secure_listener **out, const char *host, uint16_t port, const mt_static_key *local);

/** The port the listener is bound to (useful after asking for port 0). */
MT_EXTERN int mt_secure_listener_port(uint16_t *out_port, const mt_secure_listener *listener);

/**
 * Takes the next connection whose handshake finished, waiting up to `timeout_ms` (0: poll;
 * MT_TIMEOUT_INFINITE: no limit). On MT_OK `*out` is a socket to release with mt_secure_free; its
 * peer's static key is given by mt_secure_remote_static (close it if you do not know that peer).
 * Errors: MT_ETIMEDOUT (the listener is unharmed), MT_ECLOSED (the listener was closed), MT_ESTATE
 * (another thread is accepting), MT_EINVAL.
 */
MT_EXTERN int mt_secure_accept(mt_secure_socket **out, mt_secure_listener *listener, unsigned int timeout_ms);

/**
 * Stops listening: no new connection is taken, and a thread blocked in mt_secure_accept wakes with
 * MT_ECLOSED. Sockets accepted before stay open. Closing again is MT_OK. MT_EINVAL for NULL.
 */
MT_EXTERN int mt_secure_listener_close(mt_secure_listener *listener);

/**
 * Closes the listener (as mt_secure_listener_close), closes the finished connections nobody accepted,
 * and releases it. NULL is a no-op.
 */
MT_EXTERN void mt_secure_listener_free(mt_secure_listener *listener);

/* ---- Encrypted blobs (docs/blobs.md) ---------------------------------------------------------- */

/**
 * Progress of mt_blob_ingest or mt_blob_fetch: `done` of `total` bytes of the file. Calls for one
 * operation never overlap; for mt_blob_ingest they run on the caller's thread, for mt_blob_fetch
 * on a library thread. Keep it short and do not call back into the same operation.
 */
typedef void (*mt_blob_progress_cb)(uint64_t done, uint64_t total, void *payload);

/**
 * Encrypts the file at `path` into the blob store folder `store_dir` (made when missing): 1 MiB
 * chunks sealed with ChaCha20-Poly1305 under a fresh key, and a descriptor blob. On MT_OK,
 * `*out_link` is the link (magnet:?xs=urn:mtblob:ID&mtk=KEY; whoever holds it can read the file;
 * release with mt_string_free). `progress` may be NULL. Blocks until done; memory stays bounded
 * whatever the file's size. MT_ENOTFOUND when the file is missing, MT_EOS for other I/O errors.
 */
MT_EXTERN int mt_blob_ingest(char **out_link, const char *store_dir, const char *path,
                             mt_blob_progress_cb progress, void *payload);

/**
 * Downloads the file `link` names to `out_path` (NULL: the descriptor's name in the current
 * folder; an existing file there is refused with MT_EEXISTS): chunks in `store_dir` first, then from the `peer_count` peers of `peers` at once (each
 * "HOST:PORT:KEY", KEY the node's 64-hex static key; `peers` may be NULL when `peer_count` is 0).
 * Every blob is checked; a peer sending a bad one is dropped; the file appears at its path only
 * when whole and matching its SHA-256; calling again after an interruption resumes. Fetched blobs
 * are kept in `store_dir`. On MT_OK, `*out_file` (may be NULL) is the path written (release with
 * mt_string_free). Blocks until done: never call it from a callback of this library. MT_EINVAL for
 * a malformed link or peer, MT_ENOTFOUND when the descriptor or some chunk is at no source (progress
 * is kept), MT_EREFUSED when the file does not match its descriptor, MT_EOS for I/O errors.
 */
MT_EXTERN int mt_blob_fetch(char **out_file, const char *store_dir, const char *link, const char *out_path,
                            const char *const *peers, size_t peer_count, mt_blob_progress_cb progress,
                            void *payload);

#ifdef __cplusplus
}
#endif

#endif /* MEGATORRENT_H */
