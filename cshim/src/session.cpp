// session.cpp: the owned session (mtlt_session_*): settings validation, start-up with a check that
// the listen sockets really opened, queries, and shutdown. The object itself is in session_object.hpp.

#include "abi_config.hpp"

#include <cstring>
#include <functional>
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

#include "session_object.hpp"

mtlt_session::~mtlt_session()
{
    if (!owned)
    {
        return; // attached: the host's session is borrowed, and its notify hook was never touched
    }
    try
    {
        // First the notify hook: libtorrent calls it under its alert mutex, so once this returns the
        // lambda (which points at this object) is neither running nor about to run.
        owned->set_alert_notify(std::function<void()>());
        // abort() hands the network thread to the proxy; destroying the session then returns at
        // once, and the proxy's destructor (end of this block) joins the thread. Never
        // move-assign over a live session_proxy: its defaulted move assignment drops the
        // std::thread while still joinable, and the process terminates (seen with 2.0.8).
        lt::session_proxy proxy = owned->abort();
        owned.reset();
    }
    catch (...)
    {
        // abort() only allocates; if that fails, lt::session's own destructor aborts and joins.
        owned.reset();
    }
}

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

bool has_non_space(const char *text);

// "" for NULL.
const char *text(const char *value)
{
    return value != nullptr ? value : "";
}

// Checks the version 2 fields (proxy, safe mode, I2P); MTLT_OK or MTLT_EINVAL naming the field.
int validate_anonymity(const mtlt_session_settings &s) noexcept
{
    if (s.proxy_type < MTLT_PROXY_NONE || s.proxy_type > MTLT_PROXY_SOCKS5_PW)
    {
        return mtlt::fail(MTLT_EINVAL, "mtlt_session_settings.proxy_type is %d; it must be MTLT_PROXY_NONE, "
                                       "MTLT_PROXY_SOCKS5 or MTLT_PROXY_SOCKS5_PW", s.proxy_type);
    }
    if (s.proxy_type != MTLT_PROXY_NONE)
    {
        if (*text(s.proxy_hostname) == '\0')
            return mtlt::fail(MTLT_EINVAL, "mtlt_session_settings.proxy_hostname is empty but a proxy is set");
        if (s.proxy_port < 1 || s.proxy_port > 65535)
            return mtlt::fail(MTLT_EINVAL, "mtlt_session_settings.proxy_port is %d; it must be 1..65535", s.proxy_port);
    }
    if (s.proxy_type == MTLT_PROXY_SOCKS5_PW)
    {
        const size_t user = std::strlen(text(s.proxy_username)), password = std::strlen(text(s.proxy_password));
        if (user < 1 || user > 255 || password < 1 || password > 255)
            return mtlt::fail(MTLT_EINVAL, "mtlt_session_settings.proxy_username and proxy_password must be 1..255 "
                                           "bytes each with MTLT_PROXY_SOCKS5_PW");
    }
    if (!is_flag(s.safe_mode) || !is_flag(s.allow_i2p_mixed))
    {
        return mtlt::fail(MTLT_EINVAL, "mtlt_session_settings.%s must be 0 or 1 (%s)",
                          is_flag(s.safe_mode) ? "allow_i2p_mixed" : "safe_mode", settings_init_hint);
    }
    if (*text(s.i2p_hostname) != '\0' && (s.i2p_port < 1 || s.i2p_port > 65535))
    {
        return mtlt::fail(MTLT_EINVAL, "mtlt_session_settings.i2p_port is %d; it must be 1..65535", s.i2p_port);
    }
    if (s.safe_mode == 1)
    {
        const std::pair<const char *, int> udp[] = {
            {"enable_dht", s.enable_dht}, {"enable_lsd", s.enable_lsd},
            {"enable_upnp", s.enable_upnp}, {"enable_natpmp", s.enable_natpmp},
        };
        for (const auto &[name, value] : udp)
        {
            if (value != 0)
                return mtlt::fail(MTLT_EINVAL, "mtlt_session_settings.%s is 1 but safe_mode forbids it: it sends UDP "
                                               "outside the proxy", name);
        }
        if (has_non_space(text(s.dht_bootstrap_nodes)))
            return mtlt::fail(MTLT_EINVAL, "mtlt_session_settings.dht_bootstrap_nodes is set but safe_mode forbids it: "
                                           "libtorrent resolves those names locally, outside the proxy");
    }
    return MTLT_OK;
}

// Checks every field of a version 2 struct; MTLT_OK, or MTLT_EINVAL with a message naming the field.
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
        {"allow_multiple_connections_per_ip", s.allow_multiple_connections_per_ip},
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
    if (int rc = validate_anonymity(s))
    {
        return rc;
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
    // 0 keeps libtorrent's default (off), as the field was reserved and zero before.
    if (s.allow_multiple_connections_per_ip == 1)
        pack.set_bool(lt::settings_pack::allow_multiple_connections_per_ip, true);

    if (s.proxy_type != MTLT_PROXY_NONE)
    {
        pack.set_int(lt::settings_pack::proxy_type, s.proxy_type == MTLT_PROXY_SOCKS5_PW
                                                        ? lt::settings_pack::socks5_pw
                                                        : lt::settings_pack::socks5);
        pack.set_str(lt::settings_pack::proxy_hostname, text(s.proxy_hostname));
        pack.set_int(lt::settings_pack::proxy_port, s.proxy_port);
        pack.set_str(lt::settings_pack::proxy_username, text(s.proxy_username));
        pack.set_str(lt::settings_pack::proxy_password, text(s.proxy_password));
        pack.set_bool(lt::settings_pack::proxy_hostnames, true);
        pack.set_bool(lt::settings_pack::proxy_peer_connections, true);
        pack.set_bool(lt::settings_pack::proxy_tracker_connections, true);
    }
    if (*text(s.i2p_hostname) != '\0')
    {
        pack.set_str(lt::settings_pack::i2p_hostname, text(s.i2p_hostname));
        pack.set_int(lt::settings_pack::i2p_port, s.i2p_port);
    }
    pack.set_bool(lt::settings_pack::allow_i2p_mixed, s.allow_i2p_mixed != 0);
    if (s.safe_mode == 1)
    {
        // validate() refused DHT, LSD, UPnP, NAT-PMP and bootstrap names; uTP is the remaining UDP.
        pack.set_bool(lt::settings_pack::enable_outgoing_utp, false);
        pack.set_bool(lt::settings_pack::enable_incoming_utp, false);
    }

    // Bind exactly what was asked: by default libtorrent tries port+1 ... port+10 and then an
    // OS-chosen port, so a node would run reachable somewhere nobody was told.
    pack.set_int(lt::settings_pack::max_retry_port_bind, 0);
    pack.set_bool(lt::settings_pack::listen_system_port_fallback, false);

    // Status and error alerts carry listen_succeeded/listen_failed (read by check_listening) and the
    // torrent alerts, dht the DHT item, put and bootstrap alerts, storage the files-deleted ones
    // (mtlt_alert's kinds).
    pack.set_int(lt::settings_pack::alert_mask, mtlt::required_alert_mask());
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
// operation parse_address; an unknown device name gives no alert at all, only no socket. The alerts
// are kept for the consumer's first pop.
int check_listening(mtlt_session &handle, const char *asked, bool proxied)
{
    lt::session &session = *handle.owned;
    const int port = session.listen_port();
    const int ssl_port = session.ssl_listen_port();
    std::vector<lt::alert *> alerts;
    session.pop_alerts(&alerts);
    for (lt::alert *alert : alerts)
    {
        auto *failed = lt::alert_cast<lt::listen_failed_alert>(alert);
        // The I2P "listen socket" is the SAM bridge session, which may come up later: its failure is
        // left to the consumer as an alert instead of failing the session.
        if (failed != nullptr && failed->socket_type != lt::socket_type_t::i2p)
        {
            const bool unparsable = failed->op == lt::operation_t::parse_address;
            return mtlt::fail(unparsable ? MTLT_EINVAL : MTLT_ELISTEN, "listen_interfaces \"%.200s\": %s", asked,
                              failed->message().c_str());
        }
        mtlt::append_alert(handle, *alert, handle.queued);
    }
    // Behind a proxy (or I2P) libtorrent opens no ordinary listen socket at all (its proxy_hostname
    // documentation: incoming connections come only through the proxy), so none is expected.
    if (port == 0 && ssl_port == 0 && has_non_space(asked) && !proxied)
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

int mtlt::make_owned_session(const char *function, mtlt_session **out, const mtlt_session_settings *settings,
                             lt::dht::dht_state *state)
{
    if (out == nullptr || settings == nullptr)
    {
        return fail(MTLT_EINVAL, "%s: %s is NULL", function, out == nullptr ? "out" : "settings");
    }
    if (int rc = validate(*settings))
    {
        return rc;
    }
    if (int rc = check_abi())
    {
        return rc;
    }
    lt::settings_pack pack = make_pack(*settings);
    // libtorrent 2.0.8 ignores session_params::dht_state when the initial settings enable the DHT
    // (measured: the node starts with a new id and "bootstrapping with 0 nodes"). Started with the
    // DHT off and enabled once the session exists, it takes the state (same id, saved nodes pinged).
    const bool enable_dht_later = state != nullptr && settings->enable_dht != 0;
    if (enable_dht_later)
    {
        pack.set_bool(lt::settings_pack::enable_dht, false);
    }
    lt::session_params params(std::move(pack));
    if (state != nullptr)
    {
        params.dht_state = std::move(*state);
    }
    auto handle = std::make_unique<mtlt_session>();
    handle->owned = std::make_unique<lt::session>(std::move(params));
    handle->handle = handle->owned.get();
    handle->safe_mode = settings->safe_mode == 1;
    // Never replaced while the session lives; ~mtlt_session removes it before shutting down.
    mtlt_session *raw = handle.get();
    handle->owned->set_alert_notify([raw] { raw->wake(); });
    if (int rc = check_listening(*handle, settings->listen_interfaces,
                                 settings->proxy_type != MTLT_PROXY_NONE || *text(settings->i2p_hostname) != '\0'))
    {
        return rc; // ~mtlt_session shuts the session down
    }
    if (enable_dht_later)
    {
        lt::settings_pack enable;
        enable.set_bool(lt::settings_pack::enable_dht, true);
        handle->owned->apply_settings(std::move(enable));
    }
    *out = handle.release();
    return MTLT_OK;
}

int mtlt::check_session(const char *function, const mtlt_session *s) noexcept
{
    return s == nullptr ? fail(MTLT_EINVAL, "%s: session is NULL", function) : MTLT_OK;
}

int mtlt::check_dht_running(const char *function, mtlt_session &s)
{
    if (!s.handle->is_dht_running())
    {
        return fail(MTLT_ENODHT,
                    "%s: the session's DHT node is not running (enable_dht is off, or it has not started yet: wait "
                    "for mtlt_session_is_dht_running)",
                    function);
    }
    return MTLT_OK;
}

int mtlt_session_new(mtlt_session **out, const mtlt_session_settings *settings) noexcept
{
    return mtlt::guarded("mtlt_session_new",
                         [&]() -> int { return mtlt::make_owned_session("mtlt_session_new", out, settings, nullptr); });
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
        *out_running = s->handle->is_dht_running() ? 1 : 0;
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
        *out_port = s->handle->listen_port();
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
            *out_value = s->handle->get_settings().get_int(setting);
            return MTLT_OK;
        case lt::settings_pack::bool_type_base:
            *out_value = s->handle->get_settings().get_bool(setting) ? 1 : 0;
            return MTLT_OK;
        default:
            return mtlt::fail(MTLT_EINVAL, "mtlt_session_get_int_setting: \"%.100s\" is a string setting", name);
        }
    });
}
