// errors.cpp: the per-thread last-error record behind mtlt_error_last().

#include <cstdarg>
#include <cstdio>

#include "internal.hpp"

namespace
{
// One message per thread, like errno: calls on other threads cannot overwrite it. Fixed size so
// that recording an out-of-memory error does not itself need memory.
thread_local char last_error[1024] = "";
} // namespace

int mtlt::fail(int code, const char *format, ...) noexcept
{
    va_list args;
    va_start(args, format);
    std::vsnprintf(last_error, sizeof last_error, format, args);
    va_end(args);
    return code;
}

const char *mtlt_error_last(void) noexcept
{
    return last_error;
}
