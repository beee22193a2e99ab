// internal.hpp: what the shim's .cpp files share: the per-thread error record and the guard that
// turns C++ exceptions into return codes. Not part of the C surface (that is mtlt_shim.h).
#pragma once

#include <exception>
#include <new>

#include "mtlt_shim.h"

namespace mtlt
{
// Records `code` and a printf-style message as the calling thread's last error (mtlt_error_last)
// and returns `code`, so callers can write `return fail(MTLT_EINVAL, "...")`. Never throws and
// never allocates: it formats into a fixed per-thread buffer, truncating long messages.
int fail(int code, const char *format, ...) noexcept __attribute__((format(printf, 2, 3)));

// Checks, once per process, that the libtorrent loaded at run time has the major.minor version
// this shim was compiled against. MTLT_OK, or MTLT_EABI through fail().
int check_abi() noexcept;

// Runs `body` (which returns an mtlt code) and converts any exception that escapes it into a
// code and a message naming `function`. Every C entry point that can reach C++ code that throws
// goes through here, so no exception crosses the C boundary.
template <class Body>
int guarded(const char *function, Body &&body) noexcept
{
    try
    {
        return body();
    }
    catch (const std::bad_alloc &)
    {
        return fail(MTLT_ENOMEM, "%s: out of memory", function);
    }
    catch (const std::exception &e)
    {
        // libtorrent throws lt::system_error (boost::system::system_error) and std exceptions.
        return fail(MTLT_ELIBTORRENT, "%s: %s", function, e.what());
    }
    catch (...)
    {
        return fail(MTLT_EINTERNAL, "%s: unknown exception", function);
    }
}
} // namespace mtlt
