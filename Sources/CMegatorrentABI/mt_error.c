/* The per-thread last-error message of the C ABI, and the two functions that need no Swift. */
#include <stdlib.h>
#include <string.h>

#include "mt_internal.h"

static _Thread_local char *last_error = NULL;

void mt_internal_set_error(const char *message)
{
    char *copy = strdup(message != NULL ? message : "unknown error");
    free(last_error);
    last_error = copy;
}

const char *mt_error_last(void)
{
    return last_error;
}

const char *mt_version(void)
{
    return MEGATORRENT_VERSION;
}

void mt_string_free(char *string)
{
    free(string);
}
