// host.cpp: host mode. The host (qBittorrent) runs its own lt::session and forwards the alerts it
// pops; the shim borrows the session and never destroys it (see ~mtlt_session).

#include "session_object.hpp"

#include <libtorrent/settings_pack.hpp>

int mtlt_session_attach(mtlt_session **out, void *host_lt_session) noexcept
{
    constexpr const char *function = "mtlt_session_attach";
    return mtlt::guarded(function, [&]() -> int {
        if (out == nullptr || host_lt_session == nullptr)
        {
            return mtlt::fail(MTLT_EINVAL, "%s: %s is NULL", function, out == nullptr ? "out" : "host_lt_session");
        }
        if (int rc = mtlt::check_abi())
        {
            return rc;
        }
        // The documented type is lt::session *. (A session_handle * works too in practice:
        // session_handle is lt::session's only base, at offset 0.)
        auto *host = static_cast<lt::session *>(host_lt_session);
        lt::session_handle *handle = host;
        if (!handle->is_valid())
        {
            return mtlt::fail(MTLT_EINVAL, "%s: the host's session is not valid (already destroyed?)", function);
        }
        // The host must see the DHT alerts to forward them; add only the missing categories.
        const lt::alert_category_t mask(
            static_cast<std::uint32_t>(handle->get_settings().get_int(lt::settings_pack::alert_mask)));
        if ((mask & mtlt::required_alert_mask()) != mtlt::required_alert_mask())
        {
            lt::settings_pack pack;
            pack.set_int(lt::settings_pack::alert_mask, mask | mtlt::required_alert_mask());
            handle->apply_settings(std::move(pack));
        }
        auto attached = std::make_unique<mtlt_session>();
        attached->handle = handle;
        *out = attached.release();
        return MTLT_OK;
    });
}
