/* The per-thread last-error message of the C ABI, and the two functions that need no Swift. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "mt_internal.h"

/* A pthread key rather than _Thread_local: its destructor frees a thread's message when the thread
 * ends (host threads come and go: qBittorrent's alert thread, a thread pool). */
static pthread_key_t last_error_key;
static pthread_once_t last_error_once = PTHREAD_ONCE_INIT;

static void make_last_error_key(void)
{
    pthread_key_create(&last_error_key, free);
}

void mt_internal_set_error(const char *message)
{
    pthread_once(&last_error_once, make_last_error_key);
    char *copy = strdup(message != NULL ? message : "unknown error");
    free(pthread_getspecific(last_error_key));
    pthread_setspecific(last_error_key, copy);
}

const char *mt_error_last(void)
{
    pthread_once(&last_error_once, make_last_error_key);
    return pthread_getspecific(last_error_key);
}

const char *mt_version(void)
{
    return MEGATORRENT_VERSION;
}

void mt_string_free(char *string)
{
    free(string);
}
