// The settings a test host's own lt::session uses on 127.0.0.1 (the loopback settings of DESIGN.md, "DHT"),
// shared by the shim's host-mode test (cshim/tests/host_mode_test.cpp) and the C ABI's (tests/cpp/test_host_dht.cpp).
#pragma once

#include <libtorrent/alert.hpp>
#include <libtorrent/settings_pack.hpp>

namespace megatorrent_test
{
    inline lt::settings_pack loopbackHostSettings()
    {
        lt::settings_pack pack;
        pack.set_str(lt::settings_pack::listen_interfaces, "127.0.0.1:0");
        pack.set_str(lt::settings_pack::dht_bootstrap_nodes, "");
        pack.set_bool(lt::settings_pack::enable_dht, true);
        pack.set_bool(lt::settings_pack::enable_lsd, false);
        pack.set_bool(lt::settings_pack::enable_upnp, false);
        pack.set_bool(lt::settings_pack::enable_natpmp, false);
        pack.set_bool(lt::settings_pack::dht_restrict_routing_ips, false);
        pack.set_bool(lt::settings_pack::dht_restrict_search_ips, false);
        pack.set_bool(lt::settings_pack::dht_prefer_verified_node_ids, false);
        // Every peer is on 127.0.0.1: one connection per IP would leave one peer at a time.
        pack.set_bool(lt::settings_pack::allow_multiple_connections_per_ip, true);
        pack.set_int(lt::settings_pack::dht_block_ratelimit, 100000);
        pack.set_int(lt::settings_pack::dht_upload_rate_limit, 10000000);
        // As qBittorrent: status and errors only; attaching adds the DHT categories the node needs.
        pack.set_int(lt::settings_pack::alert_mask, lt::alert_category::status | lt::alert_category::error);
        return pack;
    }
}
