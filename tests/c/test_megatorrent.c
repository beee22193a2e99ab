/*
 * The C ABI's own test: calls every function of include/megatorrent.h, bad input included. Built by
 * the top-level CMakeLists.txt with AddressSanitizer and UndefinedBehaviorSanitizer and run by ctest.
 */
#include <megatorrent.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"


static const char *UNSIGNED =
    "{\"collections\":[{\"title\":\"Films\",\"items\":["
    "\"magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&dn=One\"]}],\"extra\":[1,2.5]}";

static char folder[256];

static void path_in_folder(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s", folder, name);
}

static void test_version_and_errors(void)
{
    CHECK(strcmp(mt_version(), MEGATORRENT_VERSION) == 0);
    CHECK(mt_error_last() == NULL);
    mt_string_free(NULL);
    mt_key_free(NULL);
}

static void test_keys(void)
{
    mt_key *key = NULL, *loaded = NULL;
    char *hex = NULL, *hex2 = NULL;
    char path[512];
    path_in_folder(path, sizeof path, "channel.key");

    CHECK(mt_key_generate(NULL) == MT_EINVAL);
    CHECK(mt_error_last() != NULL && strstr(mt_error_last(), "NULL") != NULL);
    CHECK(mt_key_generate(&key) == MT_OK && key != NULL);
    CHECK(mt_key_public_hex(&hex, key) == MT_OK && hex != NULL && strlen(hex) == 64);
    CHECK(mt_key_public_hex(NULL, key) == MT_EINVAL);
    CHECK(mt_key_public_hex(&hex2, NULL) == MT_EINVAL);

    CHECK(mt_key_save(key, path, 0) == MT_OK);
    struct stat info;
    CHECK(stat(path, &info) == 0 && (info.st_mode & 0777) == 0600 && info.st_size == 32);
    CHECK(mt_key_save(key, path, 0) == MT_EEXISTS);
    CHECK(mt_key_save(key, path, 1) == MT_OK);
    CHECK(mt_key_save(NULL, path, 0) == MT_EINVAL);
    CHECK(mt_key_save(key, NULL, 0) == MT_EINVAL);

    CHECK(mt_key_load(&loaded, path) == MT_OK);
    CHECK(mt_key_public_hex(&hex2, loaded) == MT_OK && strcmp(hex, hex2) == 0);

    mt_key *bad = NULL;
    char missing[512];
    path_in_folder(missing, sizeof missing, "missing.key");
    CHECK(mt_key_load(&bad, missing) == MT_ENOTFOUND && bad == NULL);
    CHECK(mt_key_load(NULL, path) == MT_EINVAL);
    CHECK(mt_key_load(&bad, NULL) == MT_EINVAL);
    chmod(path, 0644);
    CHECK(mt_key_load(&bad, path) == MT_EPERMISSIONS && bad == NULL);
    CHECK(strstr(mt_error_last(), "chmod 600") != NULL);
    chmod(path, 0600);
    CHECK(truncate(path, 31) == 0);
    CHECK(mt_key_load(&bad, path) == MT_ECORRUPT && bad == NULL);
    CHECK(mt_key_load(&bad, folder) == MT_ECORRUPT);
    CHECK(mt_key_save(key, "/proc/megatorrent/none.key", 0) == MT_EOS);

    mt_string_free(hex);
    mt_string_free(hex2);
    mt_key_free(key);
    mt_key_free(loaded);
}

static void test_manifests(void)
{
    mt_key *key = NULL;
    char *json = NULL, *hex = NULL;
    mt_manifest_status status = MT_MANIFEST_BAD_SIGNATURE;
    mt_sign_options options = MT_SIGN_OPTIONS_INIT;
    mt_manifest_info info = MT_MANIFEST_INFO_INIT;

    CHECK(mt_key_generate(&key) == MT_OK);
    CHECK(mt_key_public_hex(&hex, key) == MT_OK);
    options.sequence = 42;
    options.timestamp_ms = 1700000000000ULL;

    CHECK(mt_manifest_sign(&json, &status, key, UNSIGNED, strlen(UNSIGNED), &options) == MT_OK);
    CHECK(status == MT_MANIFEST_VALID && json != NULL && strstr(json, "\"sequence\":42") != NULL);

    CHECK(mt_manifest_verify(&status, &info, json, strlen(json), NULL) == MT_OK);
    CHECK(status == MT_MANIFEST_VALID && info.sequence == 42 && info.timestamp_ms == 1700000000000ULL);
    CHECK(strcmp(info.channel, hex) == 0 && info.collections == 1 && info.items == 1);
    CHECK(mt_manifest_verify(&status, NULL, json, strlen(json), hex) == MT_OK);

    /* A changed byte, a changed sequence, another expected key: refused with a reason. */
    char *copy = strdup(json);
    *strstr(copy, "Films") = 'f';
    CHECK(mt_manifest_verify(&status, NULL, copy, strlen(copy), NULL) == MT_EMANIFEST);
    CHECK(status == MT_MANIFEST_BAD_SIGNATURE);
    strcpy(copy, json);
    memcpy(strstr(copy, "\"sequence\":42") + 11, "43", 2);
    CHECK(mt_manifest_verify(&status, NULL, copy, strlen(copy), NULL) == MT_EMANIFEST && status == MT_MANIFEST_BAD_SIGNATURE);
    char other[65];
    memset(other, '1', 64);
    other[64] = 0;
    other[0] = '2';
    CHECK(mt_manifest_verify(&status, NULL, json, strlen(json), other) == MT_EMANIFEST && status == MT_MANIFEST_KEY_MISMATCH);
    CHECK(mt_manifest_verify(&status, NULL, json, strlen(json), "not a key") == MT_EINVAL);

    /* A low-order public key is refused even though OpenSSL alone would accept it. */
    strcpy(copy, json);
    char *key_field = strstr(copy, hex);
    memcpy(key_field, "0100000000000000000000000000000000000000000000000000000000000000", 64);
    CHECK(mt_manifest_verify(&status, NULL, copy, strlen(copy), NULL) == MT_EMANIFEST && status == MT_MANIFEST_WEAK_PUBLIC_KEY);

    /* Garbage, truncation, empty, embedded NUL and length past the limit. */
    CHECK(mt_manifest_verify(&status, NULL, "{", 1, NULL) == MT_EMANIFEST && status == MT_MANIFEST_MALFORMED_JSON);
    CHECK(mt_manifest_verify(&status, NULL, json, strlen(json) - 1, NULL) == MT_EMANIFEST && status == MT_MANIFEST_MALFORMED_JSON);
    CHECK(mt_manifest_verify(&status, NULL, "", 0, NULL) == MT_EMANIFEST && status == MT_MANIFEST_MALFORMED_JSON);
    CHECK(mt_manifest_verify(&status, NULL, "[]", 2, NULL) == MT_EMANIFEST && status == MT_MANIFEST_NOT_AN_OBJECT);
    CHECK(mt_manifest_verify(&status, NULL, "{\"a\":\"\0\"}", 9, NULL) == MT_EMANIFEST && status == MT_MANIFEST_MALFORMED_JSON);
    CHECK(mt_manifest_verify(&status, NULL, json, (size_t)2 << 20, NULL) == MT_EMANIFEST && status == MT_MANIFEST_TOO_LARGE);
    CHECK(mt_manifest_verify(&status, NULL, json, (size_t)-1, NULL) == MT_EMANIFEST && status == MT_MANIFEST_TOO_LARGE);

    /* Misuse. */
    CHECK(mt_manifest_verify(NULL, NULL, json, strlen(json), NULL) == MT_EINVAL);
    CHECK(mt_manifest_verify(&status, NULL, NULL, 0, NULL) == MT_EINVAL);
    mt_manifest_info wrong = MT_MANIFEST_INFO_INIT;
    wrong.version = 99;
    CHECK(mt_manifest_verify(&status, &wrong, json, strlen(json), NULL) == MT_EINVAL);

    char *unused = NULL;
    CHECK(mt_manifest_sign(&unused, &status, key, "[1]", 3, &options) == MT_EMANIFEST && status == MT_MANIFEST_NOT_AN_OBJECT && unused == NULL);
    const char *bad_item = "{\"collections\":[{\"title\":\"t\",\"items\":[\"http://x\"]}]}";
    CHECK(mt_manifest_sign(&unused, &status, key, bad_item, strlen(bad_item), &options) == MT_EMANIFEST && status == MT_MANIFEST_INVALID_ITEM);
    CHECK(strstr(mt_error_last(), "items[0]") != NULL);
    options.sequence = 1ULL << 53;
    CHECK(mt_manifest_sign(&unused, &status, key, UNSIGNED, strlen(UNSIGNED), &options) == MT_EMANIFEST && status == MT_MANIFEST_SEQUENCE_OUT_OF_RANGE);
    options.sequence = 1;
    options.version = 7;
    CHECK(mt_manifest_sign(&unused, &status, key, UNSIGNED, strlen(UNSIGNED), &options) == MT_EINVAL);
    CHECK(mt_manifest_sign(&unused, &status, key, UNSIGNED, strlen(UNSIGNED), NULL) == MT_EINVAL);
    CHECK(mt_manifest_sign(&unused, &status, NULL, UNSIGNED, strlen(UNSIGNED), &options) == MT_EINVAL);
    CHECK(mt_manifest_sign(NULL, &status, key, UNSIGNED, strlen(UNSIGNED), &options) == MT_EINVAL);
    CHECK(unused == NULL);

    /* The default timestamp is now. */
    mt_sign_options now = MT_SIGN_OPTIONS_INIT;
    char *fresh = NULL;
    CHECK(mt_manifest_sign(&fresh, NULL, key, UNSIGNED, strlen(UNSIGNED), &now) == MT_OK);
    mt_manifest_info fresh_info = MT_MANIFEST_INFO_INIT;
    CHECK(mt_manifest_verify(&status, &fresh_info, fresh, strlen(fresh), NULL) == MT_OK && fresh_info.timestamp_ms > 1700000000000ULL);

    free(copy);
    mt_string_free(fresh);
    mt_string_free(json);
    mt_string_free(hex);
    mt_key_free(key);
}

/* Events recorded by the callback, on the library's event thread. */
struct recorder {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int updated, refused, equivocations;
    uint64_t last_sequence;
    char last_source[64];
};

static void record_event(const mt_event *event, void *payload)
{
    struct recorder *r = payload;
    pthread_mutex_lock(&r->lock);
    if (event->kind == MT_EVENT_UPDATED) {
        r->updated++;
        r->last_sequence = event->sequence;
        snprintf(r->last_source, sizeof r->last_source, "%s", event->source);
    } else if (event->kind == MT_EVENT_REFUSED) {
        r->refused++;
    } else {
        r->equivocations++;
    }
    pthread_cond_broadcast(&r->changed);
    pthread_mutex_unlock(&r->lock);
}

/* Waits (at most 10 s) until *counter reaches `target`. */
static int wait_for(struct recorder *r, int *counter, int target)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 10;
    pthread_mutex_lock(&r->lock);
    int ok = 1;
    while (*counter < target && ok)
        ok = pthread_cond_timedwait(&r->changed, &r->lock, &deadline) == 0;
    int reached = *counter >= target;
    pthread_mutex_unlock(&r->lock);
    return reached;
}

static char *sign_sequence(mt_key *key, uint64_t sequence, const char *title)
{
    char input[512];
    snprintf(input, sizeof input,
             "{\"collections\":[{\"title\":\"%s\",\"items\":[\"magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a\"]}]}",
             title);
    mt_sign_options options = MT_SIGN_OPTIONS_INIT;
    options.sequence = sequence;
    options.timestamp_ms = 1700000000000ULL;
    char *json = NULL;
    CHECK(mt_manifest_sign(&json, NULL, key, input, strlen(input), &options) == MT_OK);
    return json;
}

static void test_node(void)
{
    char state[512];
    path_in_folder(state, sizeof state, "node-state");
    mt_node_options options = MT_NODE_OPTIONS_INIT;
    options.state_dir = state;
    mt_node *node = NULL;
    struct recorder r = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, "" };

    CHECK(mt_node_new(NULL, &options) == MT_EINVAL);
    mt_node_options wrong = MT_NODE_OPTIONS_INIT;
    wrong.version = 9;
    CHECK(mt_node_new(&node, &wrong) == MT_EINVAL && node == NULL);
    CHECK(mt_node_new(&node, &options) == MT_OK && node != NULL);
    CHECK(mt_node_set_event_callback(node, record_event, &r) == MT_OK);
    CHECK(mt_node_set_event_callback(NULL, record_event, &r) == MT_EINVAL);

    mt_key *key = NULL, *other = NULL;
    char *channel = NULL, *other_channel = NULL;
    CHECK(mt_key_generate(&key) == MT_OK && mt_key_public_hex(&channel, key) == MT_OK);
    CHECK(mt_key_generate(&other) == MT_OK && mt_key_public_hex(&other_channel, other) == MT_OK);

    CHECK(mt_node_subscribe(node, channel) == MT_OK);
    CHECK(mt_node_subscribe(node, "not a channel") == MT_EINVAL);
    CHECK(mt_node_subscribe(node, NULL) == MT_EINVAL);
    CHECK(mt_node_subscribe(NULL, channel) == MT_EINVAL);

    char *v2 = sign_sequence(key, 2, "two"), *v1 = sign_sequence(key, 1, "one");
    char *v2b = sign_sequence(key, 2, "other two"), *foreign = sign_sequence(other, 5, "x");
    mt_offer_outcome outcome = MT_OFFER_INVALID;
    CHECK(mt_node_offer_manifest(&outcome, node, v2, strlen(v2), "tracker-a") == MT_OK && outcome == MT_OFFER_UPDATED);
    CHECK(wait_for(&r, &r.updated, 1) && r.last_sequence == 2);
    CHECK(mt_node_offer_manifest(&outcome, node, v2, strlen(v2), NULL) == MT_OK && outcome == MT_OFFER_DUPLICATE);
    CHECK(mt_node_offer_manifest(&outcome, node, v1, strlen(v1), "dht") == MT_OK && outcome == MT_OFFER_STALE);
    CHECK(mt_node_offer_manifest(&outcome, node, foreign, strlen(foreign), "dht") == MT_OK && outcome == MT_OFFER_NOT_FOLLOWED);
    CHECK(mt_node_offer_manifest(&outcome, node, v2b, strlen(v2b), "dht") == MT_OK && outcome == MT_OFFER_EQUIVOCATION);
    CHECK(wait_for(&r, &r.equivocations, 1));
    CHECK(mt_node_offer_manifest(&outcome, node, "{garbage", 8, "peer") == MT_OK && outcome == MT_OFFER_INVALID);
    CHECK(wait_for(&r, &r.refused, 1));
    CHECK(mt_node_offer_manifest(&outcome, node, NULL, 0, NULL) == MT_EINVAL);

    char *latest = NULL;
    CHECK(mt_node_latest_manifest(&latest, node, channel) == MT_OK && latest != NULL && strcmp(latest, v2) == 0);
    CHECK(mt_node_latest_manifest(&latest, node, other_channel) == MT_ENOTFOUND);

    char **channels = NULL;
    size_t count = 0;
    CHECK(mt_node_subscriptions(&channels, &count, node) == MT_OK && count == 1 && strcmp(channels[0], channel) == 0);
    mt_string_array_free(channels, count);
    mt_string_array_free(NULL, 0);

    /* Callbacks stop once cleared; the node closes cleanly and its state survives a reopen. */
    CHECK(mt_node_set_event_callback(node, NULL, NULL) == MT_OK);
    mt_node_free(node);
    mt_node_free(NULL);
    CHECK(mt_node_new(&node, &options) == MT_OK);
    CHECK(mt_node_subscriptions(&channels, &count, node) == MT_OK && count == 1);
    mt_string_array_free(channels, count);
    CHECK(mt_node_offer_manifest(&outcome, node, v1, strlen(v1), "dht") == MT_OK && outcome == MT_OFFER_STALE);
    CHECK(mt_node_unsubscribe(node, channel) == MT_OK);
    CHECK(mt_node_subscriptions(&channels, &count, node) == MT_OK && count == 0);
    mt_string_array_free(channels, count);
    mt_node_free(node);

    mt_string_free(latest);
    mt_string_free(v1);
    mt_string_free(v2);
    mt_string_free(v2b);
    mt_string_free(foreign);
    mt_string_free(channel);
    mt_string_free(other_channel);
    mt_key_free(key);
    mt_key_free(other);
}

struct blob_progress {
    uint64_t last;
    uint64_t total;
    int calls;
    int backwards;
};

static void on_blob_progress(uint64_t done, uint64_t total, void *payload)
{
    struct blob_progress *progress = payload;
    if (done < progress->last) progress->backwards++;
    progress->last = done;
    progress->total = total;
    progress->calls++;
}

static void test_blobs(void)
{
    char input[512], store[512], output[512], empty[512];
    path_in_folder(input, sizeof input, "blob-input.bin");
    path_in_folder(store, sizeof store, "blob-store");
    path_in_folder(output, sizeof output, "blob-output.bin");
    path_in_folder(empty, sizeof empty, "blob-empty-store");
    const size_t size = 3 * 1048576 + 5;
    unsigned char *bytes = malloc(size);
    CHECK(bytes != NULL);
    for (size_t i = 0; i < size; i++) bytes[i] = (unsigned char)(i * 2654435761u >> 13);
    FILE *file = fopen(input, "wb");
    CHECK(file != NULL && fwrite(bytes, 1, size, file) == size && fclose(file) == 0);

    char *link = NULL, *written = NULL;
    struct blob_progress progress = {0, 0, 0, 0};
    CHECK(mt_blob_ingest(NULL, store, input, NULL, NULL) == MT_EINVAL);
    CHECK(mt_blob_ingest(&link, store, "/nonexistent/file", NULL, NULL) == MT_ENOTFOUND && link == NULL);
    CHECK(mt_blob_ingest(&link, store, input, on_blob_progress, &progress) == MT_OK && link != NULL);
    CHECK(strncmp(link, "magnet:?xs=urn:mtblob:", 22) == 0);
    CHECK(progress.calls == 4 && progress.last == size && progress.total == size && progress.backwards == 0);

    struct blob_progress fetched = {0, 0, 0, 0};
    CHECK(mt_blob_fetch(&written, store, link, output, NULL, 0, on_blob_progress, &fetched) == MT_OK);
    CHECK(written != NULL && strcmp(written, output) == 0);
    CHECK(fetched.last == size && fetched.total == size && fetched.backwards == 0);
    unsigned char *back = malloc(size + 1);
    file = fopen(output, "rb");
    CHECK(back != NULL && file != NULL && fread(back, 1, size + 1, file) == size && fclose(file) == 0);
    CHECK(memcmp(bytes, back, size) == 0);

    const char *bad_peers[] = {"127.0.0.1:1"};
    CHECK(mt_blob_fetch(NULL, store, "magnet:?xs=urn:mtblob:00", output, NULL, 0, NULL, NULL) == MT_EINVAL);
    CHECK(strstr(mt_error_last(), "not a blob link") != NULL);
    CHECK(mt_blob_fetch(NULL, store, link, output, bad_peers, 1, NULL, NULL) == MT_EINVAL);
    CHECK(mt_blob_fetch(NULL, store, link, output, NULL, 1, NULL, NULL) == MT_EINVAL);
    CHECK(mt_blob_fetch(NULL, NULL, link, output, NULL, 0, NULL, NULL) == MT_EINVAL);
    CHECK(mt_blob_fetch(NULL, empty, link, output, NULL, 0, NULL, NULL) == MT_ENOTFOUND);
    CHECK(mt_blob_fetch(NULL, store, link, output, NULL, 0, NULL, NULL) == MT_EEXISTS);

    mt_string_free(link);
    mt_string_free(written);
    free(bytes);
    free(back);
    unlink(input);
    unlink(output);
}

int main(void)
{
    snprintf(folder, sizeof folder, "/tmp/mt-c-test-XXXXXX");
    if (mkdtemp(folder) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    test_version_and_errors();
    test_keys();
    test_manifests();
    test_node();
    test_blobs();

    char path[512];
    path_in_folder(path, sizeof path, "channel.key");
    unlink(path);
    char command[600];
    snprintf(command, sizeof command, "rm -rf '%s'", folder);
    CHECK(system(command) == 0);
    return check_summary();
}
