#include "runtime.hpp"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <random>

#include <fmt/format.h>

#include "pmd_glue/eal.hpp"
#include "pmd_glue/glue_error.hpp"
#include "pmd_glue/mbuf_impairment.hpp"

namespace multios::net::app {

std::atomic<bool> g_stop{false};
std::atomic<bool> g_dump{false};

namespace {

extern "C" void on_stop_signal(int) {
    g_stop.store(true);
}
extern "C" void on_dump_signal(int) {
    g_dump.store(true);
}

/// The kernel-visible name of a TAP port ("iface=mnet0"), else the vdev's device name.
std::string interface_name(const std::string& vdev) {
    const auto at = vdev.find("iface=");
    if (at != std::string::npos) {
        const auto end = vdev.find(',', at);
        return vdev.substr(at + 6, end == std::string::npos ? std::string::npos : end - at - 6);
    }
    return vdev.substr(0, vdev.find(','));
}

/// net_tap mirrors its MAC onto the kernel side of the TAP: setting --mac on the PMD would give
/// the kernel our address too, and two hosts with one MAC cannot resolve each other. So on TAP
/// ports the stack's MAC lives only in the stack.
bool is_tap(const std::string& vdev) {
    return vdev.rfind("net_tap", 0) == 0;
}

/// For a TAP port without --mac: the PMD's (= the kernel side's) MAC with the last byte
/// changed, so that the stack and the kernel differ.
MacAddress distinct_from(MacAddress m) {
    m.bytes[5] ^= 0x01;
    m.bytes[0] = static_cast<std::uint8_t>((m.bytes[0] | 0x02) & ~0x01); // local, unicast
    return m;
}

/// One line on stderr for a failed glue call: the glue's own message (it names the program,
/// the device and the cure) or, without one, `context: strerror`.
void report_glue_error(const std::string& context, std::error_code ec) {
    const std::string& detail = glue::last_error();
    if (!detail.empty())
        std::fprintf(stderr, "%s\n", detail.c_str());
    else
        std::fprintf(stderr, "multios-net: %s: %s\n", context.c_str(), ec.message().c_str());
}

/// --loss/--delay/--reorder of each port, in ifindex order.
std::vector<ImpairmentConfig> impairment_configs(const cli::CliConfig& cfg) {
    std::vector<ImpairmentConfig> out;
    for (const auto& p : cfg.ports) {
        ImpairmentConfig ic;
        ic.loss = p.loss;
        ic.delay = std::chrono::duration_cast<Duration>(
            std::chrono::duration<double, std::milli>(p.delay_ms));
        ic.reorder = p.reorder;
        out.push_back(ic);
    }
    return out;
}

/// A 64-bit seed from the OS when the user gave none (--seed N makes the draws repeatable).
std::uint64_t random_seed() {
    std::random_device rd;
    return (std::uint64_t{rd()} << 32) ^ rd();
}

std::string impair_summary(const ImpairCounters& c) {
    return fmt::format("passed={} lost={} delayed={} reordered={} full={}", c.passed,
                       c.dropped_loss, c.delayed, c.reordered, c.dropped_full);
}

/// One line per impaired port: what --loss/--delay/--reorder did in each direction.
void print_impairment(std::FILE* out, const glue::MbufImpairment& imp, const StackCore& stack) {
    for (std::size_t i = 0; i < imp.port_count(); ++i) {
        const auto ifindex = static_cast<IfIndex>(i);
        if (!imp.active(ifindex))
            continue;
        const std::string name =
            i < stack.interface_count() ? stack.interface(ifindex).name : std::string("?");
        fmt::print(out, "impairment if{} ({}): rx {}; tx {}\n", i, name,
                   impair_summary(imp.rx_counters(ifindex)),
                   impair_summary(imp.tx_counters(ifindex)));
    }
}

} // namespace

void install_signal_handlers() {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    sa.sa_handler = on_dump_signal;
    sigaction(SIGUSR1, &sa, nullptr);
}

std::unique_ptr<Runtime> Runtime::start(const cli::CliConfig& cfg) {
    if (cfg.global.lcores != 1) {
        std::fprintf(stderr,
                     "multios-net: --lcores %u: only 1 lcore is supported in this "
                     "version (multi-core is the next milestone)\n",
                     cfg.global.lcores);
        return nullptr;
    }
    if (cfg.global.config_file) {
        std::fprintf(stderr, "multios-net: --config: configuration files are not implemented "
                             "in this version\n");
        return nullptr;
    }
    const std::vector<ImpairmentConfig> impair = impairment_configs(cfg);
    const auto impaired_ports = static_cast<std::uint32_t>(std::count_if(
        impair.begin(), impair.end(), [](const ImpairmentConfig& c) { return c.active(); }));
    glue::EalOptions eal;
    for (const auto& p : cfg.ports)
        eal.vdevs.push_back(p.vdev);
    for (const auto& a : cfg.global.eal_args)
        eal.user_args += (eal.user_args.empty() ? "" : " ") + a;
    if (auto r = glue::start_eal(eal); !r) {
        report_glue_error("EAL start-up", r.error());
        return nullptr;
    }
    std::unique_ptr<Runtime> rt(new Runtime());
    glue::PortSetConfig pc;
    for (const auto& p : cfg.ports) {
        pc.mtu = std::max<std::uint16_t>(pc.mtu, p.mtu.value_or(1500));
        pc.macs.push_back(is_tap(p.vdev) ? std::nullopt : p.mac);
    }
    // Frames the impairment layer holds (delay line and reorder slot, both directions).
    pc.extra_mbufs += impaired_ports * 2 * DelayLine<rte_mbuf*>::kDefaultCapacity;
    auto ports = glue::PortSet::open(pc);
    if (!ports) {
        report_glue_error("ports", ports.error());
        return nullptr;
    }
    rt->ports_ = std::move(*ports);
    if (rt->ports_->size() != cfg.ports.size()) {
        std::fprintf(stderr,
                     "multios-net: expected %zu ports from the --vdev options, EAL made %zu\n",
                     cfg.ports.size(), rt->ports_->size());
        return nullptr;
    }
    rt->clock_ = std::make_unique<glue::TscClock>();
    rt->sink_ = std::make_unique<glue::MbufFrameSink>(*rt->ports_, 0);
    // One seed for IDs, hash keys and impairment draws; each user derives its own streams.
    const std::uint64_t seed = cfg.global.seed ? *cfg.global.seed : random_seed();
    if (impaired_ports != 0) {
        rt->impairment_ = std::make_unique<glue::MbufImpairment>(impair, seed);
        rt->sink_->set_impairment(rt->impairment_.get());
    }
    if (cfg.global.pcap_file) {
        std::vector<std::string> names;
        for (const auto& p : cfg.ports)
            names.push_back(interface_name(p.vdev));
        auto cap = glue::Capture::open(*cfg.global.pcap_file, names, rt->now());
        if (!cap) {
            report_glue_error("--pcap " + *cfg.global.pcap_file, cap.error());
            return nullptr;
        }
        rt->capture_ = std::move(*cap);
        rt->sink_->set_capture(rt->capture_.get());
    }
    StackConfig sc;
    // IP IDs and hash keys must not be predictable (RFC 7739); --seed makes a run repeatable.
    sc.seed = seed;
    // Reassembly may hold at most a quarter of the pool's mbufs' worth of fragment buffers.
    sc.reassembly_buffer_cap = std::max<std::uint32_t>(64, rt->ports_->mbufs_per_pool() / 4);
    rt->stack_ = std::make_unique<StackCore>(sc, *rt->sink_);
    if (!rt->configure_stack(cfg))
        return nullptr;
    rt->loop_ = std::make_unique<glue::PollLoop>(*rt->ports_, *rt->stack_, *rt->sink_);
    if (rt->capture_)
        rt->loop_->set_capture(rt->capture_.get());
    if (rt->impairment_)
        rt->loop_->set_impairment(rt->impairment_.get());
    return rt;
}

bool Runtime::configure_stack(const cli::CliConfig& cfg) {
    const Instant now = this->now();
    for (std::size_t i = 0; i < cfg.ports.size(); ++i) {
        const auto& p = cfg.ports[i];
        const auto& info = ports_->info(static_cast<IfIndex>(i));
        InterfaceConfig ic;
        ic.name = interface_name(p.vdev);
        ic.mac = p.mac ? *p.mac : is_tap(p.vdev) ? distinct_from(info.mac) : info.mac;
        ic.mtu = p.mtu.value_or(1500);
        ic.addresses = p.ips;
        if (auto r = stack_->add_interface(ic, now); !r) {
            std::fprintf(stderr, "multios-net: interface %s: %s\n", ic.name.c_str(),
                         r.error().message().c_str());
            return false;
        }
    }
    for (const auto& gw :
         {cfg.global.gateway_v4 ? std::optional<IpAddress>(*cfg.global.gateway_v4) : std::nullopt,
          cfg.global.gateway_v6 ? std::optional<IpAddress>(*cfg.global.gateway_v6)
                                : std::nullopt}) {
        if (!gw)
            continue;
        if (auto r = stack_->set_gateway(*gw); !r) {
            std::fprintf(stderr, "multios-net: --gateway %s: %s\n", gw->to_string().c_str(),
                         r.error().message().c_str());
            return false;
        }
    }
    return true;
}

Runtime::~Runtime() {
    // Reverse order of construction: nothing may hold mbufs when the ports (and pools) go.
    loop_.reset();
    stack_.reset();
    if (sink_)
        sink_->flush();
    // Frames still held by the impairment layer go back to the pools while the pools exist.
    if (sink_)
        sink_->set_impairment(nullptr);
    impairment_.reset();
    sink_.reset();
    if (capture_)
        capture_->flush();
    capture_.reset();
    ports_.reset();
    glue::stop_eal();
}

std::string Runtime::describe() const {
    std::string out;
    for (std::size_t i = 0; i < stack_->interface_count(); ++i) {
        const auto& info = stack_->interface(static_cast<IfIndex>(i));
        out += fmt::format("{} ({}): mac {} mtu {}; link: {}\n", info.name,
                           ports_->info(info.index).driver, info.mac.to_string(), info.mtu,
                           ports_->link_status(info.index));
        for (const auto& a : info.v4)
            out += fmt::format("  inet {}/{}\n", a.address.to_string(), a.prefix_len);
        for (const auto& a : info.v6)
            out += fmt::format("  inet6 {}/{}\n", a.address.to_string(), a.prefix_len);
    }
    return out;
}

void Runtime::print_report(std::FILE* out) const {
    ports_->print_counters(out);
    const StackCounters& c = stack_->counters();
    fmt::print(out,
               "stack: rx_frames={} tx_frames={} ipv4_rx={} ipv4_tx={} ipv6_rx={} ipv6_tx={} "
               "frags_rx={} frags_tx={} reassembled={}\n",
               c.rx_frames, c.tx_frames, c.ipv4_rx, c.ipv4_tx, c.ipv6_rx, c.ipv6_tx, c.frags_rx,
               c.frags_tx, c.reassembled);
    fmt::print(out,
               "icmp: echo_rx={} echo_replies_tx={} errors_tx={} icmp6_echo_rx={} "
               "icmp6_echo_replies_tx={} icmp6_errors_tx={}\n",
               c.icmp_echo_rx, c.icmp_echo_replies_tx, c.icmp_errors_tx, c.icmp6_echo_rx,
               c.icmp6_echo_replies_tx, c.icmp6_errors_tx);
    fmt::print(out, "arp: requests_rx={} replies_rx={}  ndp: ns_rx={} ra_rx={}  udp: rx={} tx={}\n",
               c.arp_requests_rx, c.arp_replies_rx, c.ndp_ns_rx, c.ndp_ra_rx, c.udp_rx, c.udp_tx);
    const DropCounters& d = stack_->drops();
    fmt::print(out, "drops: total={}\n", d.total());
    for (std::size_t i = 0; i < kDropReasonCount; ++i)
        if (d.count[i])
            fmt::print(out, "  {}: {}\n", to_string(static_cast<DropReason>(i)), d.count[i]);
    if (impairment_)
        print_impairment(out, *impairment_, *stack_);
    fmt::print(out, "reassembly: buffers_in_use={} cap={}\n", stack_->reassembly_buffers_in_use(),
               stack_->reassembly_buffer_cap());
    // Mbufs outside their pool (rx rings included; see glue::PoolUsage): back to the idle
    // level once traffic stops, unless something leaks frames.
    for (const auto& u : ports_->pool_usage())
        fmt::print(out, "mbufs: pool={} socket={} in_use={} of {}\n", u.name, u.socket, u.in_use,
                   u.size);
    std::uint64_t rx = 0, tx = 0;
    for (std::size_t i = 0; i < ports_->size(); ++i) {
        const auto& q = ports_->queue_counters(static_cast<IfIndex>(i), 0);
        rx += q.rx_packets;
        tx += q.tx_packets;
    }
    // One lcore today; flows: the TCP connections this lcore's stack holds now (every state,
    // TIME-WAIT included), so it returns to its baseline once connections are gone.
    fmt::print(out, "lcore 0: flows={} rx={} tx={} steered_in=0 steered_out=0\n",
               stack_->tcp_connection_count(), rx, tx);
    std::fflush(out);
}

} // namespace multios::net::app
