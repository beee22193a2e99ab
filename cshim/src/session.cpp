// session.cpp: the owned session (mtlt_session_*): settings validation, start-up with a check that
// the listen sockets really opened, queries, and shutdown.

#include "abi_config.hpp"

#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <libtorrent/alert.hpp>
#include <libtorrent/alert_types.hpp>
#include <libtorrent/operations.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/session_params.hpp>
#include <libtorrent/settings_pack.hpp>

#include "internal.hpp"

// The handle behind the opaque C type. Destroying it shuts the session down, so every path that
// drops a half-made session (a failed check in mtlt_session_new, an exception) cleans up too.
struct mtlt_session
{
    std::unique_ptr<lt::session> session;

    mtlt_session() = default;
    mtlt_session(const mtlt_session &) = delete;
    mtlt_session &operator=(const mtlt_session &) = delete;

    ~mtlt_session()
    {
        if (!session)
        {
            return;
        }
        try
        {
            // abort() hands the network thread to the proxy; destroying the session then returns at
            // once, and the proxy's destructor (end of this block) joins the thread. Never
            // move-assign over a live session_proxy: its defaulted move assignment drops the
            // std::thread while still joinable, and the process terminates (seen with 2.0.8).
            lt::session_proxy proxy = session->abort();
            session.reset();
        }
        catch (...)
        {
            // abort() only allocates; if that fails, lt::session's own destructor aborts and joins.
            session.reset();
        }
    }
};

namespace
{
constexpr const char *settings_init_hint = "start from MTLT_SESSION_SETTINGS_INIT or mtlt_session_settings_init";

bool is_flag(int value)
{
    return value == 0 || value == 1;
}

bool is_tristate(int value)
{
    return value == MTLT_SETTINGS_DEFAULT || is_flag(value);
}

// Checks every field of a version 1 struct; MTLT_OK, or MTLT_EINVAL with a message naming the field.
int validate(const mtlt_session_settings &s) noexcept
{
    if (s.version != MTLT_SESSION_SETTINGS_VERSION)
    {
        return mtlt::fail(MTLT_EINVAL, "mtlt_session_settings.version is %d but this library knows version %d (%s)",
                          s.version, MTLT_SESSION_SETTINGS_VERSION, settings_init_hint);
    }
    if (s.listen_interfaces == nullptr)
    {
        return mtlt::fail(MTLT_EINVAL,
                          "mtlt_session_settings.listen_interfaces is NULL (use \"\" to listen nowhere, "
                          "\"127.0.0.1:0\" for loopback)");
    }
    const std::pair<const char *, int> flags[] = {
        {"enable_dht", s.enable_dht},
        {"enable_lsd", s.enable_lsd},
        {"enable_upnp", s.enable_upnp},
        {"enable_natpmp", s.enable_natpmp},
    };
    for (const auto &[name, value] : flags)
    {
        if (!is_flag(value))
        {
            return mtlt::fail(MTLT_EINVAL, "mtlt_session_settings.%s is %d; it must be 0 or 1 (%s)", name, value,
                              settings_init_hint);
        }
    }
    const std::pair<const char *, int> tristates[] = {
        {"dht_restrict_routing_ips", s.dht_restrict_routing_ips},
        {"dht_restrict_search_ips", s.dht_restrict_search_ips},
        {"dht_prefer_verified_node_ids", s.dht_prefer_verified_node_ids},
    };
    for (const auto &[name, value] : tristates)
    {
        if (!is_tristate(value))
        {
            return mtlt::fail(MTLT_EINVAL,
                              "mtlt_session_settings.%s is %d; it must be 0, 1 or MTLT_SETTINGS_DEFAULT (-1)", name,
                              value);
        }
    }
    const std::pair<const char *, int> limits[] = {
        {"dht_block_ratelimit", s.dht_block_ratelimit},
        {"dht_upload_rate_limit", s.dht_upload_rate_limit},
    };
    for (const auto &[name, value] : limits)
    {
        if (value < MTLT_SETTINGS_DEFAULT)
        {
            return mtlt::fail(MTLT_EINVAL,
                              "mtlt_session_settings.%s is %d; it must be >= 0 or MTLT_SETTINGS_DEFAULT (-1)", name,
                              value);
        }
    }
    for (int i = 0; i < int(sizeof s.reserved / sizeof s.reserved[0]); ++i)
    {
        if (s.reserved[i] != 0)
        {
            return mtlt::fail(MTLT_EINVAL,
                              "mtlt_session_settings.reserved[%d] is %d; reserved fields must be zero (%s)", i,
                              s.reserved[i], settings_init_hint);
        }
    }
    return MTLT_OK;
}

// The settings_pack for a validated struct. Settings the struct does not name keep libtorrent's
// defaults, except the few below that make a session predictable.
lt::settings_pack make_pack(const mtlt_session_settings &s)
{
    lt::settings_pack pack;
    pack.set_str(lt::settings_pack::listen_interfaces, s.listen_interfaces);
    pack.set_str(lt::settings_pack::dht_bootstrap_nodes, s.dht_bootstrap_nodes ? s.dht_bootstrap_nodes : "");
    pack.set_bool(lt::settings_pack::enable_dht, s.enable_dht != 0);
    pack.set_bool(lt::settings_pack::enable_lsd, s.enable_lsd != 0);
    pack.set_bool(lt::settings_pack::enable_upnp, s.enable_upnp != 0);
    pack.set_bool(lt::settings_pack::enable_natpmp, s.enable_natpmp != 0);

    if (s.dht_restrict_routing_ips != MTLT_SETTINGS_DEFAULT)
        pack.set_bool(lt::settings_pack::dht_restrict_routing_ips, s.dht_restrict_routing_ips != 0);
    if (s.dht_restrict_search_ips != MTLT_SETTINGS_DEFAULT)
        pack.set_bool(lt::settings_pack::dht_restrict_search_ips, s.dht_restrict_search_ips != 0);
    if (s.dht_prefer_verified_node_ids != MTLT_SETTINGS_DEFAULT)
        pack.set_bool(lt::settings_pack::dht_prefer_verified_node_ids, s.dht_prefer_verified_node_ids != 0);
    if (s.dht_block_ratelimit != MTLT_SETTINGS_DEFAULT)
        pack.set_int(lt::settings_pack::dht_block_ratelimit, s.dht_block_ratelimit);
    if (s.dht_upload_rate_limit != MTLT_SETTINGS_DEFAULT)
        pack.set_int(lt::settings_pack::dht_upload_rate_limit, s.dht_upload_rate_limit);

    // Bind exactly what was asked: by default libtorrent tries port+1 ... port+10 and then an
    // OS-chosen port, so a node would run reachable somewhere nobody was told.
    pack.set_int(lt::settings_pack::max_retry_port_bind, 0);
    pack.set_bool(lt::settings_pack::listen_system_port_fallback, false);

    // Status and error alerts carry listen_succeeded/listen_failed, read by check_listening.
    pack.set_int(lt::settings_pack::alert_mask, lt::alert_category::status | lt::alert_category::error);
    return pack;
}

bool has_non_space(const char *text)
{
    for (; *text != '\0'; ++text)
    {
        if (*text != ' ' && *text != '\t' && *text != ',')
        {
            return true;
        }
    }
    return false;
}

// Turns libtorrent's silent listen failures into errors. lt::session's constructor opens the listen
// sockets on the calling thread and posts listen_succeeded/listen_failed alerts before it returns,
// so they are all queued here. An entry libtorrent cannot parse gives a listen_failed alert with
// operation parse_address; an unknown device name gives no alert at all, only no socket.
int check_listening(lt::session &session, const char *asked)
{
    const int port = session.listen_port();
    const int ssl_port = session.ssl_listen_port();
    std::vector<lt::alert *> alerts;
    session.pop_alerts(&alerts);
    for (lt::alert *alert : alerts)
    {
        if (auto *failed = lt::alert_cast<lt::listen_failed_alert>(alert))
        {
            const bool unparsable = failed->op == lt::operation_t::parse_address;
            return mtlt::fail(unparsable ? MTLT_EINVAL : MTLT_ELISTEN, "listen_interfaces \"%.200s\": %s", asked,
                              failed->message().c_str());
        }
    }
    if (port == 0 && ssl_port == 0 && has_non_space(asked))
    {
        return mtlt::fail(MTLT_EINVAL,
                          "listen_interfaces \"%.200s\" opened no socket: no entry names an IP address or network "
                          "device of this host (entries are IP:PORT or DEVICE:PORT)",
                          asked);
    }
    return MTLT_OK;
}
} // namespace

int mtlt_session_settings_init(mtlt_session_settings *out, int version) noexcept
{
    if (out == nullptr)
    {
        return mtlt::fail(MTLT_EINVAL, "mtlt_session_settings_init: out is NULL");
    }
    if (version != MTLT_SESSION_SETTINGS_VERSION)
    {
        return mtlt::fail(MTLT_EINVAL, "mtlt_session_settings_init: version %d requested but this library knows %d",
                          version, MTLT_SESSION_SETTINGS_VERSION);
    }
    const mtlt_session_settings defaults = MTLT_SESSION_SETTINGS_INIT;
    *out = defaults;
    return MTLT_OK;
}

int mtlt_session_new(mtlt_session **out, const mtlt_session_settings *settings) noexcept
{
    return mtlt::guarded("mtlt_session_new", [&]() -> int {
        if (out == nullptr || settings == nullptr)
        {
            return mtlt::fail(MTLT_EINVAL, "mtlt_session_new: %s is NULL", out == nullptr ? "out" : "settings");
        }
        if (int rc = validate(*settings))
        {
            return rc;
        }
        if (int rc = mtlt::check_abi())
        {
            return rc;
        }
        auto handle = std::make_unique<mtlt_session>();
        handle->session = std::make_unique<lt::session>(lt::session_params(make_pack(*settings)));
        if (int rc = check_listening(*handle->session, settings->listen_interfaces))
        {
            return rc; // ~mtlt_session shuts the session down
        }
        *out = handle.release();
        return MTLT_OK;
    });
}

void mtlt_session_free(mtlt_session *s) noexcept
{
    delete s; // ~mtlt_session does not throw; delete of NULL is a no-op
}

int mtlt_session_is_dht_running(mtlt_session *s, int *out_running) noexcept
{
    return mtlt::guarded("mtlt_session_is_dht_running", [&]() -> int {
        if (s == nullptr || out_running == nullptr)
        {
            return mtlt::fail(MTLT_EINVAL, "mtlt_session_is_dht_running: %s is NULL",
                              s == nullptr ? "session" : "out_running");
        }
        *out_running = s->session->is_dht_running() ? 1 : 0;
        return MTLT_OK;
    });
}

int mtlt_session_listen_port(mtlt_session *s, int *out_port) noexcept
{
    return mtlt::guarded("mtlt_session_listen_port", [&]() -> int {
        if (s == nullptr || out_port == nullptr)
        {
            return mtlt::fail(MTLT_EINVAL, "mtlt_session_listen_port: %s is NULL",
                              s == nullptr ? "session" : "out_port");
        }
        *out_port = s->session->listen_port();
        return MTLT_OK;
    });
}

int mtlt_session_get_int_setting(mtlt_session *s, const char *name, int *out_value) noexcept
{
    return mtlt::guarded("mtlt_session_get_int_setting", [&]() -> int {
        if (s == nullptr || name == nullptr || out_value == nullptr)
        {
            return mtlt::fail(MTLT_EINVAL, "mtlt_session_get_int_setting: %s is NULL",
                              s == nullptr ? "session" : name == nullptr ? "name" : "out_value");
        }
        const int setting = lt::setting_by_name(name);
        if (setting < 0)
        {
            return mtlt::fail(MTLT_EINVAL, "mtlt_session_get_int_setting: libtorrent has no setting \"%.100s\"", name);
        }
        switch (setting & lt::settings_pack::type_mask)
        {
        case lt::settings_pack::int_type_base:
            *out_value = s->session->get_settings().get_int(setting);
            return MTLT_OK;
        case lt::settings_pack::bool_type_base:
            *out_value = s->session->get_settings().get_bool(setting) ? 1 : 0;
            return MTLT_OK;
        default:
            return mtlt::fail(MTLT_EINVAL, "mtlt_session_get_int_setting: \"%.100s\" is a string setting", name);
        }
    });
}
