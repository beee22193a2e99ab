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
 * Thread safety: every function may be called from any thread. An mt_key is immutable once made
 * and may be shared by threads. mt_error_last() is per thread.
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
    /** The call does not fit the handle's state (no session attached, or one attached already). */
    MT_ESTATE = -10,
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
    MT_MANIFEST_STALE_SEQUENCE = 17     /**< not above the last accepted sequence (replay) */
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
