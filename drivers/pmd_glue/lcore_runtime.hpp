// The multi-core engine (issue 4): EAL, ports, and one shard per
// lcore (its mbuf sink on its tx queues, its StackCore, its poll loop on its rx queues), the
// software-steering rings and control mailboxes between lcores, optional capture. Built from a
// RuntimeConfig (the CLI's --lcores, --vdev, --ip ... map onto it one to one; the native API
// of the application-API issue builds on it too); torn down in the reverse order.
//
// Threads: lcore 0 is the thread that called start() (EAL's main lcore); the command drives
// its loop. Lcores 1..N-1 run their loops from start() until the runtime is destroyed (or
// stop_workers()). A shard is touched only by its own lcore while the workers run; other
// threads reach it through run_on_each() (messages), never directly.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <multios/net/address.hpp>

#include "impair/impairment_model.hpp"
#include "pmd_glue/capture.hpp"
#include "pmd_glue/lcore_mailbox.hpp"
#include "pmd_glue/mbuf_impairment.hpp"
#include "pmd_glue/mbuf_sink.hpp"
#include "pmd_glue/poll_loop.hpp"
#include "pmd_glue/port.hpp"
#include "pmd_glue/steer_rings.hpp"
#include "pmd_glue/tsc_clock.hpp"
#include "stack/stack_core.hpp"
#include "steer/flow_steering.hpp"

namespace multios::net::glue {

/// One DPDK port and the interface every shard builds on it.
struct RuntimePort {
    std::string vdev;                 ///< EAL vdev, e.g. "net_tap0,iface=mnet0"
    std::vector<IpPrefix> addresses;  ///< IPv4 and IPv6
    std::optional<MacAddress> mac;    ///< Unset: the PMD's (on TAP: derived from it)
    std::optional<std::uint16_t> mtu; ///< Unset: 1500
    ImpairmentConfig impairment;      ///< Loss/delay/reorder (inactive by default)
};

struct RuntimeConfig {
    std::vector<RuntimePort> ports;
    unsigned lcores = 1;                  ///< Polling lcores, including the calling thread
    std::optional<std::string> pcap_file; ///< Capture every port's rx and tx (pcapng)
    std::optional<std::uint64_t> seed;    ///< Unset: from the OS
    std::string eal_args;                 ///< Extra EAL arguments (no core selection)
    std::optional<Ipv4Address> gateway_v4;
    std::optional<Ipv6Address> gateway_v6;
    TcpStackConfig tcp; ///< TCP defaults of every shard (a config file's [tcp] section)
};

/// One lcore's share of the stack.
struct Shard {
    unsigned lcore = 0;
    std::unique_ptr<MbufFrameSink> sink;
    std::unique_ptr<MbufImpairment> impairment; ///< Only with --loss/--delay/--reorder.
    std::unique_ptr<StackCore> stack;
    std::unique_ptr<PollLoop> loop;
};

/// What one lcore did, copied on that lcore (or after it stopped) for a report.
struct LcoreSnapshot {
    unsigned lcore = 0;
    StackCounters counters;
    DropCounters drops;
    TcpCounters tcp;
    std::size_t connections = 0;
    std::size_t reassembly_buffers = 0;
    LoopCounters loop;
    std::uint64_t rx = 0;              ///< Frames this lcore took from its rx queues.
    std::uint64_t tx = 0;              ///< Frames it put on its tx queues.
    std::vector<QueueCounters> queues; ///< This lcore's queue of each port, by ifindex.
    std::string impairment;            ///< The `impairment ifN ...` lines of this lcore.
};

class LcoreRuntime {
  public:
    /// Called once per shard, on the main thread, before the worker lcores start: listeners,
    /// services, per-lcore application hooks. Returning false aborts start().
    using ShardSetup = std::function<bool(Shard&)>;

    /// Starts EAL, the ports and every shard, runs `setup` on each, then launches the worker
    /// lcores. On failure prints one clear line to stderr and returns nullptr.
    static std::unique_ptr<LcoreRuntime> start(const RuntimeConfig& cfg,
                                               const ShardSetup& setup = {});
    /// Why the last start() failed, as an errno value (EPERM, ENODEV, ENOMEM, EALREADY,
    /// EINVAL for the rest).
    static std::error_code last_start_error();
    /// Stops the workers, resets what connections remain, stops the ports, frees everything.
    ~LcoreRuntime();
    LcoreRuntime(const LcoreRuntime&) = delete;
    LcoreRuntime& operator=(const LcoreRuntime&) = delete;

    unsigned lcore_count() const { return static_cast<unsigned>(shards_.size()); }
    /// Lcore 0's shard: what single-threaded commands (ping, get, demo) drive.
    StackCore& stack() { return *shards_[0]->stack; }
    PollLoop& loop() { return *shards_[0]->loop; }
    Shard& shard(unsigned lcore) { return *shards_[lcore]; }
    PortSet& ports() { return *ports_; }
    const steer::FlowSteering& steering() const { return *steering_; }
    Instant now() const { return clock_->now(); }

    /// Runs `fn(shard)` on every lcore's own thread and returns when all have run: lcore 0
    /// (the caller, which must be lcore 0) directly, the workers through their mailboxes, or
    /// directly once they have stopped. Gives up on an lcore that does not answer in 2 s
    /// (returns false).
    bool run_on_each(const std::function<void(Shard&)>& fn);
    /// Queues `m` for `lcore` from any thread (an application thread, another lcore); the lcore
    /// runs it inside its next poll iteration, on its own shard. False when its mailbox is full.
    /// Lcore 0 runs messages only while its loop runs (driven by the command or application).
    bool post(unsigned lcore, ControlMessage& m) {
        if (!mailboxes_->post(lcore, m))
            return false;
        wake(lcore);
        return true;
    }
    /// Cuts `lcore`'s idle sleep short (from any thread).
    void wake(unsigned lcore) { shards_[lcore]->loop->ring_doorbell(); }
    /// Stops the worker lcores' loops and waits for them (idempotent). After it every shard
    /// may be read from the main thread.
    void stop_workers();

    /// True when lcore 0 has a source address for `dst` and every shard accepts datagrams
    /// for it (IPv6: DAD over; each shard runs its own, so they finish at different times).
    /// Call on lcore 0.
    bool every_shard_has_source(const IpAddress& dst);
    /// Interface names and addresses, one line each (what the stack is listening on).
    std::string describe() const;
    /// A shard's counters; call on its lcore (run_on_each) or after stop_workers().
    LcoreSnapshot snapshot(const Shard& shard) const;
    /// Every lcore's snapshot (through run_on_each).
    std::vector<LcoreSnapshot> snapshots();
    /// The counter report `serve` prints at exit and on SIGUSR1: ports, the sums over lcores,
    /// then one `lcore N: flows=...` line per lcore (CONTRACTS.md).
    void print_report(std::FILE* out, const std::vector<LcoreSnapshot>& lcores) const;
    void print_report(std::FILE* out) { print_report(out, snapshots()); }
    /// "lcore N: flows=F rx=R tx=T steered_in=I steered_out=O ..." (CONTRACTS.md).
    static std::string lcore_line(const LcoreSnapshot& s);
    /// Sums of counter structs over lcores (plain aggregates of std::uint64_t).
    static TcpCounters total_tcp(const std::vector<LcoreSnapshot>& lcores);

  private:
    LcoreRuntime() = default;
    bool configure_shard(Shard& shard, const RuntimeConfig& cfg);
    bool make_steering(unsigned lcores);
    bool open_captures(const RuntimeConfig& cfg);
    /// Flushes the captures; with several lcores merges the parts into the --pcap file.
    void close_captures();
    bool make_shards(const RuntimeConfig& cfg, std::uint64_t seed);
    bool launch_workers();
    static int worker_main(void* arg);
    void reset_connections();

    std::unique_ptr<PortSet> ports_;
    std::unique_ptr<TscClock> clock_;
    std::vector<std::unique_ptr<Capture>> captures_; ///< One per lcore (--pcap).
    std::vector<std::string> capture_parts_;         ///< Part files (several lcores).
    std::string capture_path_;
    std::optional<steer::FlowSteering> steering_;
    std::unique_ptr<SteerRings> rings_;
    std::unique_ptr<LcoreMailboxes> mailboxes_;
    std::vector<std::unique_ptr<Shard>> shards_;
    std::atomic<bool> workers_stop_{false};
    bool workers_running_ = false;
};

} // namespace multios::net::glue
