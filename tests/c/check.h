/*
 * The C tests' one assertion: CHECK counts a pass or prints the failed condition with the library's
 * last error, and check_summary prints the "N passed, M failed" line scripts/test.sh adds up.
 */
#ifndef MEGATORRENT_TEST_CHECK_H
#define MEGATORRENT_TEST_CHECK_H

#include <megatorrent.h>
#include <stdio.h>

static int passed = 0;
static int failed = 0;

#define CHECK(condition)                                                                        \
    do {                                                                                        \
        if (condition) {                                                                        \
            passed++;                                                                           \
        } else {                                                                                \
            failed++;                                                                           \
            fprintf(stderr, "%s:%d: CHECK failed: %s (last error: %s)\n", __FILE__, __LINE__,   \
                    #condition, mt_error_last() ? mt_error_last() : "none");                    \
        }                                                                                       \
    } while (0)

/* Prints the summary line and returns the process's exit status. */
static inline int check_summary(void)
{
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

#endif
