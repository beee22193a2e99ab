/*
 * libFuzzer's driver entry point (compiler-rt, LLVM 11 and later). A Swift executable has a main
 * of its own, so the fuzz binary calls the driver itself instead of linking libFuzzer's main.
 * Only declared here; it is defined when building with -sanitize=fuzzer.
 */
#ifndef MEGATORRENT_CFUZZERDRIVER_H
#define MEGATORRENT_CFUZZERDRIVER_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
