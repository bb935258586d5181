#include "sim/run_scenario.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>

#include <fmt/format.h>

#include "sim/network.hpp"
#include "sim/pcap_writer.hpp"
#include "sim/scenario_apps.hpp"
#include "sim/series_recorder.hpp"

namespace multios::net::sim {

namespace {

/// Locally administered, unique per (node, interface): 02:53:NN:NN:00:II.
MacAddress node_mac(std::size_t node, std::size_t ifindex) {
    return MacAddress{{0x02, 0x53, static_cast<std::uint8_t>(node >> 8),
                       static_cast<std::uint8_t>(node), 0x00, static_cast<std::uint8_t>(ifindex)}};
}

/// Everything a run owns. Members are destroyed in reverse order: recorder, captures and apps
/// go before the network whose scheduler still lists their (never to run) events.
struct Run {
    explicit Run(std::uint64_t seed) : net(seed) {}
    Network net;
    std::map<std::string, NodeId, std::less<>> ids;
    std::vector<AppHub> hubs;
    std::vector<std::unique_ptr<ScenarioApp>> apps;
    std::vector<DuplexLink> links;
    std::vector<std::unique_ptr<PcapWriter>> pcaps; ///< Per duplex link (nullptr: none).
    std::vector<std::size_t> duplex_of;             ///< LinkId -> index of its duplex link.
    std::unique_ptr<SeriesRecorder> recorder;
    std::vector<std::string> files;
};

InterfaceConfig interface_for(const ScenarioFile& sc, NodeId id, const Endpoint& ep,
                              std::size_t ifindex, const LinkSpec& l) {
    InterfaceConfig ic;
    ic.name = ep.ifname;
    ic.mac = node_mac(id, ifindex);
    ic.mtu = l.config.mtu;
    for (const auto& ia : sc.nodes[id].addresses) {
        if (ia.ifname == ep.ifname) {
            ic.addresses = ia.prefixes;
        }
    }
    return ic;
}

/// The nodes' static routes (the parser checked that every next hop is on-link).
Result<void> install_routes(const ScenarioFile& sc, Run& r) {
    for (std::size_t i = 0; i < sc.nodes.size(); ++i) {
        for (const RouteSpec& route : sc.nodes[i].routes) {
            if (auto ok = r.net.stack(static_cast<NodeId>(i)).add_route(route.to, route.via); !ok) {
                return ok;
            }
        }
    }
    return {};
}

Result<void> build_topology(const ScenarioFile& sc, Run& r) {
    for (const NodeSpec& n : sc.nodes) {
        StackConfig config;
        config.forwarding = n.router;
        r.ids.emplace(n.name, r.net.add_node(config));
    }
    r.hubs.resize(sc.nodes.size());
    for (std::size_t i = 0; i < sc.nodes.size(); ++i) {
        r.net.node(static_cast<NodeId>(i)).set_app(&r.hubs[i]);
    }
    for (const LinkSpec& l : sc.links) {
        const NodeId a = r.ids.at(l.a.node), b = r.ids.at(l.b.node);
        const auto ia = interface_for(sc, a, l.a, r.net.stack(a).interface_count(), l);
        const auto ib = interface_for(sc, b, l.b, r.net.stack(b).interface_count(), l);
        auto d = r.net.connect(a, ia, b, ib, l.config, l.config);
        if (!d) {
            return fail(d.error());
        }
        r.links.push_back(*d);
        r.duplex_of.resize(r.net.link_count());
        r.duplex_of[d->a_to_b] = r.duplex_of[d->b_to_a] = r.links.size() - 1;
    }
    return install_routes(sc, r);
}

Result<void> open_captures(const ScenarioFile& sc, const std::string& dir, Run& r) {
    r.pcaps.resize(sc.links.size());
    for (std::size_t i = 0; i < sc.links.size(); ++i) {
        if (!sc.links[i].pcap) {
            continue;
        }
        const std::string path = fmt::format("{}/{}.pcap", dir, sc.links[i].name);
        auto w = PcapWriter::open(path, sc.links[i].snaplen);
        if (!w) {
            return fail(w.error());
        }
        r.pcaps[i] = std::move(*w);
        r.files.push_back(path);
    }
    r.net.set_delivery_observer([&r](LinkId l, Instant t, std::span<const std::byte> f) {
        if (auto& w = r.pcaps[r.duplex_of[l]]) {
            w->record(t - Network::kStart, f);
        }
    });
    return {};
}

Result<void> start_apps(const ScenarioFile& sc, Run& r, Instant origin) {
    for (const AppSpec& a : sc.apps) {
        const NodeId from = r.ids.at(a.from), to = r.ids.at(a.to);
        auto app = make_app(r.net, a, from, to, origin);
        if (!app) {
            return fail(app.error());
        }
        (*app)->attach(r.hubs[from], r.hubs[to]);
        r.apps.push_back(std::move(*app));
    }
    return {};
}

std::vector<SeriesRecorder::LinkRow> link_rows(const ScenarioFile& sc, Run& r) {
    std::vector<SeriesRecorder::LinkRow> rows;
    for (std::size_t i = 0; i < sc.links.size(); ++i) {
        const LinkSpec& l = sc.links[i];
        rows.push_back(
            {fmt::format("{}:{}>{}", l.name, l.a.node, l.b.node), &r.net.link(r.links[i].a_to_b)});
        rows.push_back(
            {fmt::format("{}:{}>{}", l.name, l.b.node, l.a.node), &r.net.link(r.links[i].b_to_a)});
    }
    return rows;
}

void run_with_progress(Run& r, Instant origin, Duration total, const SimulateOptions& o) {
    const Duration step = std::max<Duration>(total / 100, std::chrono::milliseconds(1));
    for (Instant t = origin; t < origin + total;) {
        t = std::min(t + step, origin + total);
        r.net.run_until(t);
        if (o.progress) {
            o.progress(t - origin, total);
        }
    }
}

RunSummary summarize(const ScenarioFile& sc, Run& r, Instant end, Duration total,
                     std::uint64_t seed) {
    RunSummary s;
    s.simulated = total;
    s.seed = seed;
    s.events = r.net.scheduler().executed();
    std::vector<double> tcp_goodput;
    for (const auto& a : r.apps) {
        s.flows.push_back(a->summary(end));
        if (a->spec().kind == AppKind::tcp_bulk) {
            tcp_goodput.push_back(s.flows.back().goodput_bps);
        }
    }
    if (tcp_goodput.size() >= 2) {
        s.tcp_fairness = jain_fairness(tcp_goodput);
    }
    for (const auto& row : link_rows(sc, r)) {
        s.links.push_back({row.name, row.link->counters()});
    }
    for (std::size_t i = 0; i < sc.nodes.size(); ++i) {
        if (sc.nodes[i].router) {
            s.routers.push_back(
                summarize_router(sc.nodes[i].name, r.net.stack(static_cast<NodeId>(i))));
        }
    }
    return s;
}

Result<void> write_text(const std::string& path, const std::string& text) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) {
        return fail(errno);
    }
    const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    const int err = errno;
    if (std::fclose(f) != 0 || !ok) {
        return fail(ok ? errno : err);
    }
    return {};
}

} // namespace

Result<RunSummary> run_scenario(const ScenarioFile& sc, const SimulateOptions& o) {
    const std::uint64_t seed = o.seed.value_or(sc.seed);
    const Duration total = o.duration.value_or(sc.duration);
    if (total <= Duration::zero()) {
        return fail(EINVAL);
    }
    const bool files = !o.out_dir.empty();
    if (files) {
        std::error_code ec;
        std::filesystem::create_directories(o.out_dir, ec);
        if (ec) {
            return fail(ec);
        }
    }
    Run r(seed);
    if (auto b = build_topology(sc, r); !b) {
        return fail(b.error());
    }
    const Instant origin = r.net.now();
    if (files) {
        if (auto c = open_captures(sc, o.out_dir, r); !c) {
            return fail(c.error());
        }
    }
    if (auto a = start_apps(sc, r, origin); !a) {
        return fail(a.error());
    }
    if (files) {
        std::vector<const ScenarioApp*> flows;
        for (const auto& a : r.apps) {
            flows.push_back(a.get());
        }
        auto rec = SeriesRecorder::open(o.out_dir, r.net.scheduler(), origin, sc.sample_interval,
                                        std::move(flows), link_rows(sc, r));
        if (!rec) {
            return fail(rec.error());
        }
        r.recorder = std::move(*rec);
        r.files.push_back(o.out_dir + "/flows.csv");
        r.files.push_back(o.out_dir + "/links.csv");
    }
    run_with_progress(r, origin, total, o);
    RunSummary s = summarize(sc, r, origin + total, total, seed);
    if (files) {
        if (auto c = r.recorder->close(); !c) {
            return fail(c.error());
        }
        for (auto& w : r.pcaps) {
            if (w) {
                if (auto c = w->close(); !c) {
                    return fail(c.error());
                }
            }
        }
        const std::string path = o.out_dir + "/summary.txt";
        if (auto w = write_text(path, format_summary(s)); !w) {
            return fail(w.error());
        }
        r.files.push_back(path);
    }
    s.files = r.files;
    return s;
}

} // namespace multios::net::sim
