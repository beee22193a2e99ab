/*
 * The secure transport through the C ABI: a listener and clients in one program (accepts on a
 * pthread), messages both ways, a wrong key, timeouts, clean close, bad arguments. Built by the
 * top-level CMakeLists.txt with AddressSanitizer, UndefinedBehaviorSanitizer and LeakSanitizer and
 * run by ctest.
 */
#include <megatorrent.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"


static const unsigned int WAIT_MS = 10000;

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000.0 + t.tv_nsec / 1e6;
}

static void sleep_ms(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&t, NULL);
}

/* ---- An accept on its own thread ---------------------------------------------------------------- */

struct accept_job {
    mt_secure_listener *listener;
    unsigned int timeout_ms;
    pthread_t thread;
    int result;
    mt_secure_socket *socket;
    char error[256];
};

static void *accept_main(void *argument)
{
    struct accept_job *job = argument;
    job->result = mt_secure_accept(&job->socket, job->listener, job->timeout_ms);
    if (job->result != MT_OK && mt_error_last() != NULL)
        snprintf(job->error, sizeof job->error, "%s", mt_error_last());
    return NULL;
}

static void accept_start(struct accept_job *job, mt_secure_listener *listener, unsigned int timeout_ms)
{
    memset(job, 0, sizeof *job);
    job->listener = listener;
    job->timeout_ms = timeout_ms;
    job->result = 1;
    pthread_create(&job->thread, NULL, accept_main, job);
}

static int accept_join(struct accept_job *job)
{
    pthread_join(job->thread, NULL);
    if (job->result != MT_OK)
        fprintf(stderr, "accept: %d %s\n", job->result, job->error);
    return job->result;
}

/* A blocked receive on its own thread. */
struct receive_job {
    mt_secure_socket *socket;
    pthread_t thread;
    int result;
    void *data;
    size_t length;
};

static void *receive_main(void *argument)
{
    struct receive_job *job = argument;
    job->result = mt_secure_receive(&job->data, &job->length, job->socket, MT_TIMEOUT_INFINITE);
    return NULL;
}

/* ---- Tests ---------------------------------------------------------------------------------------- */

static char folder[256];

static void test_null_arguments(void)
{
    mt_static_key *key = NULL;
    mt_secure_socket *socket = NULL;
    mt_secure_listener *listener = NULL;
    uint8_t public_key[32] = { 0 };
    uint16_t port = 0;
    void *data = NULL;
    size_t length = 0;

    mt_static_key_free(NULL);
    mt_secure_free(NULL);
    mt_secure_listener_free(NULL);
    mt_buffer_free(NULL);

    CHECK(mt_static_key_generate(NULL) == MT_EINVAL);
    CHECK(mt_error_last() != NULL && strstr(mt_error_last(), "NULL") != NULL);
    CHECK(mt_static_key_load(NULL, "x") == MT_EINVAL);
    CHECK(mt_static_key_load(&key, NULL) == MT_EINVAL && key == NULL);
    CHECK(mt_static_key_save(NULL, "x", 0) == MT_EINVAL);
    CHECK(mt_static_key_public(public_key, NULL) == MT_EINVAL);

    CHECK(mt_static_key_generate(&key) == MT_OK && key != NULL);
    CHECK(mt_static_key_save(key, NULL, 0) == MT_EINVAL);
    CHECK(mt_static_key_public(NULL, key) == MT_EINVAL);
    CHECK(mt_secure_connect(NULL, "127.0.0.1", 1, key, public_key, 0) == MT_EINVAL);
    CHECK(mt_secure_connect(&socket, NULL, 1, key, public_key, 0) == MT_EINVAL);
    CHECK(mt_secure_connect(&socket, "127.0.0.1", 1, NULL, public_key, 0) == MT_EINVAL);
    CHECK(mt_secure_connect(&socket, "127.0.0.1", 1, key, NULL, 0) == MT_EINVAL);
    CHECK(mt_secure_connect(&socket, "127.0.0.1", 0, key, public_key, 0) == MT_EINVAL);
    CHECK(socket == NULL);
    CHECK(mt_secure_send(NULL, "x", 1) == MT_EINVAL);
    CHECK(mt_secure_receive(&data, &length, NULL, 0) == MT_EINVAL);
    CHECK(mt_secure_remote_static(public_key, NULL) == MT_EINVAL);
    CHECK(mt_secure_close(NULL) == MT_EINVAL);
    CHECK(mt_secure_listen(NULL, "127.0.0.1", 0, key) == MT_EINVAL);
    CHECK(mt_secure_listen(&listener, NULL, 0, key) == MT_EINVAL);
    CHECK(mt_secure_listen(&listener, "127.0.0.1", 0, NULL) == MT_EINVAL);
    CHECK(listener == NULL);
    CHECK(mt_secure_listener_port(&port, NULL) == MT_EINVAL);
    CHECK(mt_secure_accept(&socket, NULL, 0) == MT_EINVAL);
    CHECK(mt_secure_listener_close(NULL) == MT_EINVAL);
    mt_static_key_free(key);
}

static void test_static_key_files(void)
{
    mt_static_key *key = NULL, *loaded = NULL, *bad = NULL;
    uint8_t first[32], second[32], other[32];
    char path[512], missing[512];
    snprintf(path, sizeof path, "%s/node.key", folder);
    snprintf(missing, sizeof missing, "%s/missing.key", folder);

    CHECK(mt_static_key_generate(&key) == MT_OK);
    CHECK(mt_static_key_public(first, key) == MT_OK);
    CHECK(mt_static_key_save(key, path, 0) == MT_OK);
    struct stat info;
    CHECK(stat(path, &info) == 0 && (info.st_mode & 0777) == 0600 && info.st_size == 32);
    CHECK(mt_static_key_save(key, path, 0) == MT_EEXISTS);
    CHECK(mt_static_key_save(key, path, 1) == MT_OK);
    CHECK(mt_static_key_load(&loaded, path) == MT_OK && loaded != NULL);
    CHECK(mt_static_key_public(second, loaded) == MT_OK && memcmp(first, second, 32) == 0);

    CHECK(mt_static_key_load(&bad, missing) == MT_ENOTFOUND && bad == NULL);
    chmod(path, 0644);
    CHECK(mt_static_key_load(&bad, path) == MT_EPERMISSIONS && bad == NULL);
    chmod(path, 0600);
    CHECK(truncate(path, 31) == 0);
    CHECK(mt_static_key_load(&bad, path) == MT_ECORRUPT && bad == NULL);

    mt_static_key *fresh = NULL;
    CHECK(mt_static_key_generate(&fresh) == MT_OK);
    CHECK(mt_static_key_public(other, fresh) == MT_OK && memcmp(first, other, 32) != 0);
    mt_static_key_free(fresh);
    mt_static_key_free(loaded);
    mt_static_key_free(key);
    unlink(path);
}

/* Fills `buffer` with a pattern that depends on `seed`, so a reordered or altered byte shows. */
static void pattern(uint8_t *buffer, size_t length, unsigned int seed)
{
    for (size_t i = 0; i < length; i++)
        buffer[i] = (uint8_t)((i * 31u + seed * 7u + (i >> 8)) & 0xff);
}

static int receive_expect(mt_secure_socket *socket, const void *expected, size_t length)
{
    void *data = NULL;
    size_t got = 0;
    int result = mt_secure_receive(&data, &got, socket, WAIT_MS);
    int ok = result == MT_OK && data != NULL && got == length && (length == 0 || memcmp(data, expected, length) == 0);
    if (!ok)
        fprintf(stderr, "receive: result %d, %zu bytes (wanted %zu)\n", result, got, length);
    mt_buffer_free(data);
    return ok;
}

static void test_conversation(void)
{
    mt_static_key *server_key = NULL, *client_key = NULL, *stranger = NULL;
    uint8_t server_public[32], client_public[32], stranger_public[32], seen[32];
    CHECK(mt_static_key_generate(&server_key) == MT_OK);
    CHECK(mt_static_key_generate(&client_key) == MT_OK);
    CHECK(mt_static_key_generate(&stranger) == MT_OK);
    mt_static_key_public(server_public, server_key);
    mt_static_key_public(client_public, client_key);
    mt_static_key_public(stranger_public, stranger);

    mt_secure_listener *listener = NULL;
    uint16_t port = 0;
    CHECK(mt_secure_listen(&listener, "127.0.0.1", 0, server_key) == MT_OK && listener != NULL);
    CHECK(mt_secure_listener_port(&port, listener) == MT_OK && port != 0);
    /* The key is referenced by the listener: freeing the caller's handle is allowed. */
    mt_static_key_free(server_key);

    /* Nothing is waiting: a poll and a short wait time out, and the listener still works after. */
    mt_secure_socket *none = NULL;
    CHECK(mt_secure_accept(&none, listener, 0) == MT_ETIMEDOUT && none == NULL);
    double start = now_ms();
    CHECK(mt_secure_accept(&none, listener, 100) == MT_ETIMEDOUT && none == NULL);
    CHECK(now_ms() - start >= 90);

    /* Connect while a thread accepts. */
    struct accept_job job;
    accept_start(&job, listener, WAIT_MS);
    mt_secure_socket *client = NULL;
    CHECK(mt_secure_connect(&client, "127.0.0.1", port, client_key, server_public, 0) == MT_OK && client != NULL);
    CHECK(accept_join(&job) == MT_OK && job.socket != NULL);
    mt_secure_socket *server = job.socket;
    if (client == NULL || server == NULL) {
        mt_secure_free(client);
        mt_secure_free(server);
        mt_secure_listener_free(listener);
        mt_static_key_free(client_key);
        mt_static_key_free(stranger);
        return;
    }

    /* Each side knows the other's static key. */
    CHECK(mt_secure_remote_static(seen, client) == MT_OK && memcmp(seen, server_public, 32) == 0);
    CHECK(mt_secure_remote_static(seen, server) == MT_OK && memcmp(seen, client_public, 32) == 0);
    CHECK(mt_secure_remote_static(NULL, server) == MT_EINVAL);

    /* Small messages both ways, an empty one, then about 60 KiB both ways. */
    CHECK(mt_secure_send(client, "hello", 5) == MT_OK);
    CHECK(receive_expect(server, "hello", 5));
    CHECK(mt_secure_send(server, "world!", 6) == MT_OK);
    CHECK(receive_expect(client, "world!", 6));
    CHECK(mt_secure_send(client, NULL, 0) == MT_OK);
    CHECK(receive_expect(server, "", 0));

    size_t big_length = 60 * 1024 + 123;
    uint8_t *big = malloc(big_length), *big2 = malloc(big_length);
    pattern(big, big_length, 1);
    pattern(big2, big_length, 2);
    CHECK(mt_secure_send(client, big, big_length) == MT_OK);
    CHECK(mt_secure_send(server, big2, big_length) == MT_OK);
    CHECK(receive_expect(server, big, big_length));
    CHECK(receive_expect(client, big2, big_length));
    /* Several messages in a row arrive whole and in order. */
    for (unsigned int i = 0; i < 5; i++) {
        pattern(big, 5000 + i, i);
        CHECK(mt_secure_send(client, big, 5000 + i) == MT_OK);
    }
    for (unsigned int i = 0; i < 5; i++) {
        pattern(big2, 5000 + i, i);
        CHECK(receive_expect(server, big2, 5000 + i));
    }

    /* Bad sends. */
    CHECK(mt_secure_send(client, NULL, 1) == MT_EINVAL);
    CHECK(mt_secure_send(client, big, MT_SECURE_MAX_MESSAGE + 1) == MT_EINVAL);
    void *data = NULL;
    size_t length = 0;
    CHECK(mt_secure_receive(NULL, &length, client, 0) == MT_EINVAL);
    CHECK(mt_secure_receive(&data, NULL, client, 0) == MT_EINVAL);

    /* A receive that times out keeps the connection: a later message still arrives. */
    start = now_ms();
    CHECK(mt_secure_receive(&data, &length, client, 150) == MT_ETIMEDOUT && data == NULL);
    CHECK(now_ms() - start >= 140);
    CHECK(mt_secure_receive(&data, &length, client, 0) == MT_ETIMEDOUT && data == NULL);
    CHECK(mt_secure_send(server, "after the timeout", 17) == MT_OK);
    CHECK(receive_expect(client, "after the timeout", 17));
    CHECK(mt_secure_send(client, "still there", 11) == MT_OK);
    CHECK(receive_expect(server, "still there", 11));
    /* A poll (timeout 0) sees a message that has arrived. */
    CHECK(mt_secure_send(server, "polled", 6) == MT_OK);
    sleep_ms(200);
    data = NULL;
    CHECK(mt_secure_receive(&data, &length, client, 0) == MT_OK && length == 6 && data != NULL &&
          memcmp(data, "polled", 6) == 0);
    mt_buffer_free(data);
    data = NULL;

    /* A second receiver on the same socket is refused while one waits; close wakes the first. */
    struct receive_job blocked = { .socket = server, .result = 1 };
    pthread_create(&blocked.thread, NULL, receive_main, &blocked);
    sleep_ms(200);
    CHECK(mt_secure_receive(&data, &length, server, 0) == MT_ESTATE);
    /* The waiting thread takes the next message. */
    CHECK(mt_secure_send(client, "to the waiter", 13) == MT_OK);
    pthread_join(blocked.thread, NULL);
    CHECK(blocked.result == MT_OK && blocked.length == 13 && blocked.data != NULL &&
          memcmp(blocked.data, "to the waiter", 13) == 0);
    mt_buffer_free(blocked.data);

    /* The client closes: the server sees a clean end of stream, every time it asks. */
    CHECK(mt_secure_close(client) == MT_OK);
    CHECK(mt_secure_close(client) == MT_OK);
    data = (void *)1;
    length = 99;
    CHECK(mt_secure_receive(&data, &length, server, WAIT_MS) == MT_OK && data == NULL && length == 0);
    data = (void *)1;
    CHECK(mt_secure_receive(&data, &length, server, 0) == MT_OK && data == NULL && length == 0);
    CHECK(mt_secure_send(server, "too late", 8) == MT_ECLOSED);
    CHECK(mt_secure_send(client, "too late", 8) == MT_ECLOSED);
    CHECK(mt_secure_receive(&data, &length, client, 0) == MT_ECLOSED);
    mt_secure_free(client);
    mt_secure_free(server);

    /* mt_secure_close from another thread wakes a blocked receive with MT_ECLOSED. */
    accept_start(&job, listener, WAIT_MS);
    client = NULL;
    CHECK(mt_secure_connect(&client, "127.0.0.1", port, client_key, server_public, WAIT_MS) == MT_OK);
    CHECK(accept_join(&job) == MT_OK);
    if (client != NULL) {
        struct receive_job waiting = { .socket = client, .result = 1 };
        pthread_create(&waiting.thread, NULL, receive_main, &waiting);
        sleep_ms(100);
        CHECK(mt_secure_close(client) == MT_OK);
        pthread_join(waiting.thread, NULL);
        CHECK(waiting.result == MT_ECLOSED && waiting.data == NULL);
        /* The accepted side sees the clean end. */
        data = (void *)1;
        CHECK(mt_secure_receive(&data, &length, job.socket, WAIT_MS) == MT_OK && data == NULL);
    }
    mt_secure_free(client);
    mt_secure_free(job.socket);

    /* A wrong remote static key: the listener cannot decrypt and closes; nothing is accepted. */
    mt_secure_socket *refused = NULL;
    CHECK(mt_secure_connect(&refused, "127.0.0.1", port, client_key, stranger_public, WAIT_MS) == MT_EHANDSHAKE);
    CHECK(refused == NULL);
    CHECK(mt_error_last() != NULL && strstr(mt_error_last(), "handshake") != NULL);
    CHECK(mt_secure_accept(&none, listener, 200) == MT_ETIMEDOUT && none == NULL);

    /* A connection nobody accepted is closed cleanly when the listener is freed. */
    mt_secure_socket *orphan = NULL;
    CHECK(mt_secure_connect(&orphan, "127.0.0.1", port, client_key, server_public, WAIT_MS) == MT_OK);
    sleep_ms(100);
    mt_secure_listener_free(listener);
    if (orphan != NULL) {
        data = (void *)1;
        CHECK(mt_secure_receive(&data, &length, orphan, WAIT_MS) == MT_OK && data == NULL && length == 0);
    }
    mt_secure_free(orphan);

    /* Nothing listens on the port any more. */
    mt_secure_socket *nobody = NULL;
    CHECK(mt_secure_connect(&nobody, "127.0.0.1", port, client_key, server_public, WAIT_MS) == MT_ECONNECTION);
    CHECK(nobody == NULL);

    free(big);
    free(big2);
    mt_static_key_free(client_key);
    mt_static_key_free(stranger);
}

/* A TCP listener that never speaks: the handshake times out within the connect's timeout. */
static void test_handshake_timeout(void)
{
    int listening = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address;
    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    CHECK(listening >= 0 && bind(listening, (struct sockaddr *)&address, sizeof address) == 0 && listen(listening, 4) == 0 &&
          getsockname(listening, (struct sockaddr *)&address, &size) == 0);

    mt_static_key *key = NULL;
    uint8_t public_key[32];
    CHECK(mt_static_key_generate(&key) == MT_OK);
    mt_static_key_public(public_key, key);
    mt_secure_socket *secure = NULL;
    double start = now_ms();
    CHECK(mt_secure_connect(&secure, "127.0.0.1", ntohs(address.sin_port), key, public_key, 300) == MT_ETIMEDOUT);
    double took = now_ms() - start;
    CHECK(took >= 250 && took < 5000);
    CHECK(secure == NULL);
    mt_static_key_free(key);
    close(listening);
}

static void test_listener_close(void)
{
    mt_static_key *key = NULL;
    CHECK(mt_static_key_generate(&key) == MT_OK);
    mt_secure_listener *listener = NULL, *second = NULL;
    uint16_t port = 0;
    CHECK(mt_secure_listen(&listener, "127.0.0.1", 0, key) == MT_OK);
    CHECK(mt_secure_listener_port(&port, listener) == MT_OK);
    /* The port is taken. */
    CHECK(mt_secure_listen(&second, "127.0.0.1", port, key) == MT_EOS && second == NULL);

    /* One thread accepts without limit; a second accept is refused; close wakes the first. */
    struct accept_job job;
    accept_start(&job, listener, MT_TIMEOUT_INFINITE);
    sleep_ms(200);
    mt_secure_socket *socket = NULL;
    CHECK(mt_secure_accept(&socket, listener, 0) == MT_ESTATE && socket == NULL);
    CHECK(mt_secure_listener_close(listener) == MT_OK);
    pthread_join(job.thread, NULL);
    CHECK(job.result == MT_ECLOSED && job.socket == NULL);
    CHECK(mt_secure_accept(&socket, listener, 0) == MT_ECLOSED);
    CHECK(mt_secure_listener_close(listener) == MT_OK);
    mt_secure_listener_free(listener);
    mt_static_key_free(key);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(folder, sizeof folder, "/tmp/mt-secure-test-XXXXXX");
    if (mkdtemp(folder) == NULL) {
        perror("mkdtemp");
        return 1;
    }

    printf("null arguments\n");
    test_null_arguments();
    printf("static key files\n");
    test_static_key_files();
    printf("conversation\n");
    test_conversation();
    printf("handshake timeout\n");
    test_handshake_timeout();
    printf("listener close\n");
    test_listener_close();

    rmdir(folder);
    return check_summary();
}
