// version.cpp: mtlt_version() and the run-time half of the ABI check (abi_config.hpp is the
// compile-time half).

#include "abi_config.hpp"

#include <cstdio>

#include "internal.hpp"

const char *mtlt_version(void) noexcept
{
    return lt::version();
}

int mtlt::check_abi() noexcept
{
    // The soname (libtorrent-rasterbar.so.2.0) already pins major.minor on Debian; this catches a
    // library found some other way (LD_LIBRARY_PATH, a self-built copy). Patch releases keep the
    // ABI, so they are accepted.
    static const int result = [] {
        int major = -1, minor = -1;
        if (std::sscanf(lt::version(), "%d.%d", &major, &minor) == 2 && major == LIBTORRENT_VERSION_MAJOR
            && minor == LIBTORRENT_VERSION_MINOR)
        {
            return MTLT_OK;
        }
        return MTLT_EABI;
    }();
    if (result != MTLT_OK)
    {
        return fail(MTLT_EABI, "the loaded libtorrent is %s but this program was compiled against %s",
                    lt::version(), LIBTORRENT_VERSION);
    }
    return MTLT_OK;
}
