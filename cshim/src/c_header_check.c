/* c_header_check.c: compiles mtlt_shim.h as C, so the header stays pure C (the rest of the target
 * is C++, which would accept C++-only constructs unnoticed). It also checks, in C, that the
 * settings struct keeps the version 2 layout that compiled callers rely on. */

#include <stddef.h>
#include <stdint.h>

#include "mtlt_shim.h"

/* The initialiser macro must compile as C too. */
static const mtlt_session_settings c_header_check_init __attribute__((unused)) = MTLT_SESSION_SETTINGS_INIT;

_Static_assert(offsetof(mtlt_session_settings, version) == 0, "version must stay the first field");
#if UINTPTR_MAX == 0xFFFFFFFFFFFFFFFFu
/* LP64: int version (+4 padding), two pointers, ten ints (version 1: allow_multiple_connections_per_ip
 * took reserved[0]), then version 2's proxy, safe mode and I2P fields (pointers, which reserved[]
 * ints cannot hold: hence the new version, which the library checks), reserved[7] (+4 tail padding).
 * Adding a field without taking it out of reserved[] changes these: callers compiled against the
 * old header would pass a struct of another size. */
_Static_assert(offsetof(mtlt_session_settings, listen_interfaces) == 8, "mtlt_session_settings v2 layout");
_Static_assert(offsetof(mtlt_session_settings, allow_multiple_connections_per_ip) == 60,
               "mtlt_session_settings v2 layout");
_Static_assert(offsetof(mtlt_session_settings, proxy_type) == 64, "mtlt_session_settings v2 layout");
_Static_assert(offsetof(mtlt_session_settings, safe_mode) == 96, "mtlt_session_settings v2 layout");
_Static_assert(offsetof(mtlt_session_settings, reserved) == 120, "mtlt_session_settings v2 layout");
_Static_assert(sizeof(mtlt_session_settings) == 152, "mtlt_session_settings v2 layout");
#endif

/* mtlt_alert: the library hands out arrays of it, so callers index them with their own idea of its
 * size; it may only grow into reserved[]. */
_Static_assert(offsetof(mtlt_alert, kind) == 0, "kind must stay the first field");
#if UINTPTR_MAX == 0xFFFFFFFFFFFFFFFFu
_Static_assert(offsetof(mtlt_alert, seq) == 24, "mtlt_alert layout");
_Static_assert(offsetof(mtlt_alert, target) == 48, "mtlt_alert layout");
_Static_assert(offsetof(mtlt_alert, salt) == 168, "mtlt_alert layout");
_Static_assert(offsetof(mtlt_alert, address) == 200, "mtlt_alert layout");
/* The torrent fields took the former reserved[8] tail at 224. */
_Static_assert(offsetof(mtlt_alert, info_hash) == 224, "mtlt_alert layout");
_Static_assert(offsetof(mtlt_alert, total_done) == 248, "mtlt_alert layout");
_Static_assert(offsetof(mtlt_alert, reserved_int3) == 284, "mtlt_alert layout");
_Static_assert(sizeof(mtlt_alert) == 288, "mtlt_alert layout");
#endif

/* The torrent structs: version first, reserved tails; their sizes are the ABI. */
static const mtlt_add_torrent_params c_header_check_add_init __attribute__((unused)) = MTLT_ADD_TORRENT_PARAMS_INIT;
_Static_assert(offsetof(mtlt_add_torrent_params, version) == 0, "version must stay the first field");
_Static_assert(offsetof(mtlt_torrent_status, version) == 0, "version must stay the first field");
#if UINTPTR_MAX == 0xFFFFFFFFFFFFFFFFu
_Static_assert(offsetof(mtlt_add_torrent_params, reserved) == 80, "mtlt_add_torrent_params v1 layout");
_Static_assert(sizeof(mtlt_add_torrent_params) == 144, "mtlt_add_torrent_params v1 layout");
_Static_assert(offsetof(mtlt_torrent_status, name) == 104, "mtlt_torrent_status v1 layout");
_Static_assert(offsetof(mtlt_torrent_status, reserved) == 128, "mtlt_torrent_status v1 layout");
_Static_assert(sizeof(mtlt_torrent_status) == 192, "mtlt_torrent_status v1 layout");
#endif
