/*
 * Internal to libmegatorrent: the per-thread error slot behind mt_error_last(). Kept in C because
 * C11 _Thread_local is the simplest correct per-thread storage; the Swift exports call these.
 */
#ifndef MEGATORRENT_INTERNAL_H
#define MEGATORRENT_INTERNAL_H

#include "megatorrent.h"

/** Stores a copy of `message` as this thread's last error. */
__attribute__((visibility("hidden"))) void mt_internal_set_error(const char *message);

#endif
