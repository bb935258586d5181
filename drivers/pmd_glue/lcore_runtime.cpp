#include "pmd_glue/lcore_runtime.hpp"
#include "pmd_glue/memif_buffers.hpp"

#include <algorithm>
#include <array>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <random>
#include <type_traits>

#include <fmt/format.h>

#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_pause.h>

#include "pmd_glue/capture_merge.hpp"
#include "pmd_glue/eal.hpp"
#include "pmd_glue/glue_error.hpp"
#include "pmd_glue/mbuf_impairment.hpp"

namespace multios::net::glue {

namespace {

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
    const std::string& detail = last_error();
    if (!detail.empty())
        std::fprintf(stderr, "%s\n", detail.c_str());
    else
        std::fprintf(stderr, "multios-net: %s: %s\n", context.c_str(), ec.message().c_str());
}

/// Each port's impairment, in ifindex order.
std::vector<ImpairmentConfig> impairment_configs(const RuntimeConfig& cfg) {
    std::vector<ImpairmentConfig> out;
    for (const auto& p : cfg.ports)
        out.push_back(p.impairment);
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
/// With several lcores each draws its own impairment: the lines then name the lcore.
std::string describe_impairment(const MbufImpairment& imp, const StackCore& stack, unsigned lcore,
                                unsigned lcores) {
    std::string out;
    for (std::size_t i = 0; i < imp.port_count(); ++i) {
        const auto ifindex = static_cast<IfIndex>(i);
        if (!imp.active(ifindex))
            continue;
        const std::string name =
            i < stack.interface_count() ? stack.interface(ifindex).name : std::string("?");
        const std::string who = lcores > 1 ? fmt::format(" lcore {}", lcore) : std::string();
        out += fmt::format("impairment if{} ({}){}: rx {}; tx {}\n", i, name, who,
                           impair_summary(imp.rx_counters(ifindex)),
                           impair_summary(imp.tx_counters(ifindex)));
    }
    return out;
}

/// Adds counter structs field by field. They are plain aggregates of std::uint64_t (checked
/// here), so summing them as arrays stays right when fields are added.
template <typename Counters>
void add_counters(Counters& sum, const Counters& more) {
    static_assert(std::is_trivially_copyable_v<Counters> &&
                  sizeof(Counters) % sizeof(std::uint64_t) == 0);
    constexpr std::size_t n = sizeof(Counters) / sizeof(std::uint64_t);
    std::array<std::uint64_t, n> a{}, b{};
    std::memcpy(a.data(), &sum, sizeof sum);
    std::memcpy(b.data(), &more, sizeof more);
    for (std::size_t i = 0; i < n; ++i)
        a[i] += b[i];
    std::memcpy(static_cast<void*>(&sum), a.data(), sizeof sum);
}

} // namespace

namespace {
std::atomic<int> g_start_error{0};
} // namespace

std::error_code LcoreRuntime::last_start_error() {
    return make_errno_error(g_start_error.load());
}

std::unique_ptr<LcoreRuntime> LcoreRuntime::start(const RuntimeConfig& cfg,
                                                  const ShardSetup& setup) {
    if (cfg.lcores == 0 || cfg.ports.empty()) {
        std::fprintf(stderr, "multios-net: a runtime needs at least one lcore and one port\n");
        return nullptr;
    }
    const unsigned lcores = cfg.lcores;
    const std::vector<ImpairmentConfig> impair = impairment_configs(cfg);
    const auto impaired_ports = static_cast<std::uint32_t>(std::count_if(
        impair.begin(), impair.end(), [](const ImpairmentConfig& c) { return c.active(); }));
    EalOptions eal;
    eal.lcores = lcores;
    for (const auto& p : cfg.ports)
        eal.vdevs.push_back(memif_vdev_for_mtu(p.vdev, p.mtu.value_or(1500)));
    eal.user_args = cfg.eal_args;
    g_start_error = EINVAL;
    if (auto r = start_eal(eal); !r) {
        g_start_error = r.error().value();
        report_glue_error("EAL start-up", r.error());
        return nullptr;
    }
    std::unique_ptr<LcoreRuntime> rt(new LcoreRuntime());
    PortSetConfig pc;
    pc.queues = static_cast<std::uint16_t>(lcores);
    pc.lcores = lcores;
    for (const auto& p : cfg.ports) {
        pc.mtu = std::max<std::uint16_t>(pc.mtu, p.mtu.value_or(1500));
        pc.macs.push_back(is_tap(p.vdev) ? std::nullopt : p.mac);
    }
    // Frames the impairment layers hold (delay line and reorder slot, both directions).
    pc.extra_mbufs += lcores * impaired_ports * 2 * DelayLine<rte_mbuf*>::kDefaultCapacity;
    // Frames in flight between lcores (steering rings and learn-only copies).
    if (lcores > 1)
        pc.extra_mbufs += lcores * (lcores - 1) * SteerRings::kFlowRingSize +
                          lcores * SteerRings::kReplicaRingSize;
    auto ports = PortSet::open(pc);
    if (!ports) {
        g_start_error = ports.error().value();
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
    rt->clock_ = std::make_unique<TscClock>();
    if (!rt->make_steering(lcores))
        return nullptr;
    if (cfg.pcap_file && !rt->open_captures(cfg))
        return nullptr;
    // One seed for IDs, hash keys and impairment draws; each user derives its own streams.
    const std::uint64_t seed = cfg.seed ? *cfg.seed : random_seed();
    if (!rt->make_shards(cfg, seed))
        return nullptr;
    for (auto& shard : rt->shards_)
        if (setup && !setup(*shard))
            return nullptr;
    if (!rt->launch_workers())
        return nullptr;
    return rt;
}

bool LcoreRuntime::open_captures(const RuntimeConfig& cfg) {
    const std::string& path = *cfg.pcap_file;
    std::vector<std::string> names;
    for (const auto& p : cfg.ports)
        names.push_back(interface_name(p.vdev));
    // One writer per lcore, no sharing: with several lcores each writes a part file next to
    // FILE, merged into FILE at shutdown. One wall-clock offset for all, so that the parts'
    // timestamps compare exactly.
    const std::int64_t offset = Capture::realtime_offset_ns(now());
    const unsigned lcores = cfg.lcores;
    for (unsigned lcore = 0; lcore < lcores; ++lcore) {
        const std::string file = lcores == 1 ? path : fmt::format("{}.lcore{}.part", path, lcore);
        auto cap = Capture::open_with_offset(file, names, offset);
        if (!cap) {
            report_glue_error("--pcap " + file, cap.error());
            return false;
        }
        captures_.push_back(std::move(*cap));
        if (lcores > 1)
            capture_parts_.push_back(file);
    }
    capture_path_ = path;
    return true;
}

void LcoreRuntime::close_captures() {
    for (auto& c : captures_)
        c->flush();
    captures_.clear();
    if (capture_parts_.empty())
        return;
    if (auto r = merge_captures(capture_parts_, capture_path_); !r) {
        report_glue_error("--pcap " + capture_path_, r.error());
        std::fprintf(stderr, "multios-net: the per-lcore captures stay in %s.lcore*.part\n",
                     capture_path_.c_str());
        return;
    }
    for (const auto& part : capture_parts_)
        std::remove(part.c_str());
}

bool LcoreRuntime::make_steering(unsigned lcores) {
    // A NIC's indirection table must be able to mirror ours: take the smallest one among RSS
    // ports (software steering alone can use any size).
    const std::uint16_t nic_reta = ports_->min_reta_size();
    const std::size_t reta = nic_reta != 0 ? nic_reta : steer::FlowSteering::kDefaultRetaSize;
    steering_ = steer::FlowSteering::create(static_cast<std::uint16_t>(lcores), reta);
    if (!steering_) {
        std::fprintf(stderr, "multios-net: --lcores %u: cannot build a %zu-entry steering table\n",
                     lcores, reta);
        return false;
    }
    if (lcores > 1)
        ports_->program_reta(steering_->reta());
    auto rings = SteerRings::create(lcores);
    auto boxes = LcoreMailboxes::create(lcores);
    if (!rings || !boxes) {
        report_glue_error("lcore rings", rings ? boxes.error() : rings.error());
        return false;
    }
    rings_ = std::move(*rings);
    mailboxes_ = std::move(*boxes);
    return true;
}

bool LcoreRuntime::make_shards(const RuntimeConfig& cfg, std::uint64_t seed) {
    const std::vector<ImpairmentConfig> impair = impairment_configs(cfg);
    const bool impaired = std::any_of(impair.begin(), impair.end(),
                                      [](const ImpairmentConfig& c) { return c.active(); });
    for (unsigned lcore = 0; lcore < cfg.lcores; ++lcore) {
        auto shard = std::make_unique<Shard>();
        shard->lcore = lcore;
        shard->sink = std::make_unique<MbufFrameSink>(*ports_, lcore);
        // Each lcore draws its own impairment stream (its own frames, its own seed).
        const std::uint64_t shard_seed = seed + 0x9e3779b97f4a7c15ULL * lcore;
        if (impaired) {
            shard->impairment = std::make_unique<MbufImpairment>(impair, shard_seed);
            shard->sink->set_impairment(shard->impairment.get());
        }
        if (!captures_.empty())
            shard->sink->set_capture(captures_[lcore].get());
        StackConfig sc;
        sc.tcp = cfg.tcp;
        // IP IDs and hash keys must not be predictable (RFC 7739); --seed makes a run
        // repeatable. Shards differ so that their IP IDs do not collide.
        sc.seed = shard_seed;
        // Reassembly may hold at most a quarter of the pool's mbufs' worth of fragment buffers,
        // shared out between the lcores.
        sc.reassembly_buffer_cap =
            std::max<std::uint32_t>(64, ports_->mbufs_per_pool() / 4 / cfg.lcores);
        sc.steering = &*steering_;
        sc.lcore = static_cast<std::uint16_t>(lcore);
        // One voice on the link: lcore 0 sends the start-up announcements (gratuitous ARP,
        // DAD probes, router solicitations, MLD reports); the others learn from its replicas.
        // Shard 0 is configured first, so the others' silent DAD never ends before its probes.
        sc.speaker = lcore == 0;
        shard->stack = std::make_unique<StackCore>(sc, *shard->sink);
        if (!configure_shard(*shard, cfg))
            return false;
        PollLoopConfig lc;
        lc.queue = static_cast<std::uint16_t>(lcore);
        shard->loop = std::make_unique<PollLoop>(*ports_, *shard->stack, *shard->sink, lc);
        if (!captures_.empty())
            shard->loop->set_capture(captures_[lcore].get());
        if (shard->impairment)
            shard->loop->set_impairment(shard->impairment.get());
        shard->loop->set_steering(&*steering_, rings_.get());
        if (cfg.lcores > 1)
            shard->stack->set_datagram_handoff(shard->loop.get());
        shard->loop->set_mailboxes(mailboxes_.get());
        shards_.push_back(std::move(shard));
    }
    return true;
}

bool LcoreRuntime::configure_shard(Shard& shard, const RuntimeConfig& cfg) {
    StackCore& stack = *shard.stack;
    const Instant now = this->now();
    for (std::size_t i = 0; i < cfg.ports.size(); ++i) {
        const auto& p = cfg.ports[i];
        const auto& info = ports_->info(static_cast<IfIndex>(i));
        InterfaceConfig ic;
        ic.name = interface_name(p.vdev);
        ic.mac = p.mac ? *p.mac : is_tap(p.vdev) ? distinct_from(info.mac) : info.mac;
        ic.mtu = p.mtu.value_or(1500);
        ic.addresses = p.addresses;
        if (auto r = stack.add_interface(ic, now); !r) {
            std::fprintf(stderr, "multios-net: interface %s: %s\n", ic.name.c_str(),
                         r.error().message().c_str());
            return false;
        }
    }
    for (const auto& gw :
         {cfg.gateway_v4 ? std::optional<IpAddress>(*cfg.gateway_v4) : std::nullopt,
          cfg.gateway_v6 ? std::optional<IpAddress>(*cfg.gateway_v6) : std::nullopt}) {
        if (!gw)
            continue;
        if (auto r = stack.set_gateway(*gw); !r) {
            std::fprintf(stderr, "multios-net: --gateway %s: %s\n", gw->to_string().c_str(),
                         r.error().message().c_str());
            return false;
        }
    }
    return true;
}

int LcoreRuntime::worker_main(void* arg) {
    auto* self = static_cast<LcoreRuntime*>(arg);
    const unsigned lcore = rte_lcore_id();
    self->shards_[lcore]->loop->run(self->workers_stop_);
    return 0;
}

bool LcoreRuntime::launch_workers() {
    for (unsigned lcore = 1; lcore < shards_.size(); ++lcore) {
        if (int rc = rte_eal_remote_launch(&LcoreRuntime::worker_main, this, lcore); rc != 0) {
            std::fprintf(stderr, "multios-net: cannot start lcore %u: %s\n", lcore,
                         rte_strerror(-rc));
            stop_workers();
            return false;
        }
        workers_running_ = true;
    }
    return true;
}

void LcoreRuntime::stop_workers() {
    if (!workers_running_)
        return;
    workers_stop_.store(true);
    rte_eal_mp_wait_lcore();
    workers_running_ = false;
}

bool LcoreRuntime::run_on_each(const std::function<void(Shard&)>& fn) {
    if (!workers_running_) {
        for (auto& s : shards_)
            fn(*s);
        return true;
    }
    std::vector<std::unique_ptr<ControlMessage>> messages;
    bool ok = true;
    for (unsigned lcore = 1; lcore < shards_.size(); ++lcore) {
        Shard& shard = *shards_[lcore];
        messages.push_back(std::make_unique<ControlMessage>([&fn, &shard](Instant) { fn(shard); }));
        if (!mailboxes_->post(lcore, *messages.back())) {
            ok = false;
            messages.pop_back();
        }
    }
    fn(*shards_[0]);
    const Instant give_up = now() + std::chrono::seconds(2);
    for (const auto& m : messages) {
        while (!m->done() && now() < give_up)
            rte_pause();
        ok = ok && m->done();
    }
    if (!ok) {
        // A message still queued would run later against a dead `fn`: stop the workers
        // rather than let that happen.
        std::fprintf(stderr, "multios-net: an lcore did not answer; stopping the lcores\n");
        stop_workers();
    }
    return ok;
}

void LcoreRuntime::reset_connections() {
    for (auto& s : shards_) {
        s->stack->tcp_reset_all(now());
        s->sink->flush();
    }
}

LcoreRuntime::~LcoreRuntime() {
    stop_workers();
    // Peers learn at once that we are gone (RST), instead of retransmitting into silence.
    if (!shards_.empty() && shards_[0]->stack)
        reset_connections();
    // Reverse order of construction: nothing may hold mbufs when the ports (and pools) go.
    for (auto& s : shards_) {
        s->loop.reset();
        s->stack.reset();
        if (s->sink) {
            s->sink->flush();
            // Frames still held by the impairment layer go back to the pools while they exist.
            s->sink->set_impairment(nullptr);
        }
        s->impairment.reset();
        s->sink.reset();
    }
    shards_.clear();
    close_captures();
    rings_.reset();
    mailboxes_.reset();
    ports_.reset();
    stop_eal();
}

std::string LcoreRuntime::describe() const {
    std::string out;
    const StackCore& stack = *shards_[0]->stack;
    for (std::size_t i = 0; i < stack.interface_count(); ++i) {
        const auto& info = stack.interface(static_cast<IfIndex>(i));
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

LcoreSnapshot LcoreRuntime::snapshot(const Shard& shard) const {
    LcoreSnapshot snap;
    snap.lcore = shard.lcore;
    const StackCore& stack = *shard.stack;
    snap.counters = stack.counters();
    snap.drops = stack.drops();
    snap.tcp = stack.tcp_counters();
    snap.connections = stack.tcp_connection_count();
    snap.reassembly_buffers = stack.reassembly_buffers_in_use();
    snap.loop = shard.loop->counters();
    for (std::size_t i = 0; i < ports_->size(); ++i) {
        const auto& q = ports_->queue_counters(static_cast<IfIndex>(i),
                                               static_cast<std::uint16_t>(shard.lcore));
        snap.rx += q.rx_packets;
        snap.tx += q.tx_packets;
        snap.queues.push_back(q);
    }
    if (shard.impairment)
        snap.impairment = describe_impairment(*shard.impairment, stack, shard.lcore, lcore_count());
    return snap;
}

namespace {

/// The source address lcore 0's shard would use for `dst` (nullopt: none yet).
std::optional<IpAddress> source_for(const StackCore& stack, const IpAddress& dst) {
    for (std::size_t i = 0; i < stack.interface_count(); ++i) {
        const auto& info = stack.interface(static_cast<IfIndex>(i));
        if (dst.is_v4()) {
            if (const auto* a = info.source_v4_for(dst.v4()))
                return IpAddress{a->address};
        } else if (const auto* a = info.source_v6_for(dst.v6())) {
            return IpAddress{a->address};
        }
    }
    return std::nullopt;
}

/// True when `stack` accepts datagrams addressed to `a` (IPv6: its DAD is over).
bool accepts(const StackCore& stack, const IpAddress& a) {
    for (std::size_t i = 0; i < stack.interface_count(); ++i) {
        const auto& info = stack.interface(static_cast<IfIndex>(i));
        if (a.is_v4() ? info.has_v4(a.v4()) : info.accepts_v6(a.v6()))
            return true;
    }
    return false;
}

} // namespace

bool LcoreRuntime::every_shard_has_source(const IpAddress& dst) {
    const std::optional<IpAddress> src = source_for(*shards_[0]->stack, dst);
    if (!src)
        return false;
    // The reply may be steered to any lcore: each must accept the address lcore 0 sends from.
    std::vector<char> ready(shards_.size(), 0);
    run_on_each([&](Shard& s) { ready[s.lcore] = accepts(*s.stack, *src) ? 1 : 0; });
    return std::all_of(ready.begin(), ready.end(), [](char r) { return r != 0; });
}

TcpCounters LcoreRuntime::total_tcp(const std::vector<LcoreSnapshot>& lcores) {
    TcpCounters t;
    for (const auto& s : lcores)
        add_counters(t, s.tcp);
    return t;
}

std::vector<LcoreSnapshot> LcoreRuntime::snapshots() {
    std::vector<LcoreSnapshot> out(shards_.size());
    run_on_each([&](Shard& s) { out[s.lcore] = snapshot(s); });
    return out;
}

void LcoreRuntime::print_report(std::FILE* out, const std::vector<LcoreSnapshot>& lcores) const {
    // Only copies made by each lcore are read here (the lcores may be running).
    std::vector<std::vector<QueueCounters>> queues(ports_->size());
    for (const auto& s : lcores)
        for (std::size_t i = 0; i < s.queues.size() && i < queues.size(); ++i)
            queues[i].push_back(s.queues[i]);
    ports_->print_counters(out, queues);
    StackCounters c;
    DropCounters d;
    std::size_t reassembly = 0;
    for (const auto& s : lcores) {
        add_counters(c, s.counters);
        for (std::size_t i = 0; i < kDropReasonCount; ++i)
            d.count[i] += s.drops.count[i];
        reassembly += s.reassembly_buffers;
    }
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
    fmt::print(out, "drops: total={}\n", d.total());
    for (std::size_t i = 0; i < kDropReasonCount; ++i)
        if (d.count[i])
            fmt::print(out, "  {}: {}\n", to_string(static_cast<DropReason>(i)), d.count[i]);
    for (const auto& s : lcores)
        std::fputs(s.impairment.c_str(), out);
    fmt::print(out, "reassembly: buffers_in_use={} cap={}\n", reassembly,
               shards_[0]->stack->reassembly_buffer_cap() * shards_.size());
    // Mbufs outside their pool (rx rings included; see PoolUsage): back to the idle
    // level once traffic stops, unless something leaks frames.
    for (const auto& u : ports_->pool_usage())
        fmt::print(out, "mbufs: pool={} socket={} in_use={} of {}\n", u.name, u.socket, u.in_use,
                   u.size);
    // flows: the TCP connections the lcore holds now (every state, TIME-WAIT included), so it
    // returns to its baseline once connections are gone; opened: every connection it ever
    // owned; not_owner: segments that reached it although another lcore owns their flow.
    for (const auto& s : lcores)
        fmt::print(out, "{}\n", lcore_line(s));
    std::fflush(out);
}

std::string LcoreRuntime::lcore_line(const LcoreSnapshot& s) {
    return fmt::format("lcore {}: flows={} rx={} tx={} steered_in={} steered_out={} opened={} "
                       "not_owner={} steer_full={} replicas_in={} replicas_out={} replica_full={} "
                       "messages={}",
                       s.lcore, s.connections, s.rx, s.tx, s.loop.steered_in, s.loop.steered_out,
                       s.tcp.flows, s.tcp.not_owner, s.loop.steer_full, s.loop.replicas_in,
                       s.loop.replicas_out, s.loop.replica_full, s.loop.messages);
}

} // namespace multios::net::glue
