// Everything a command needs to run the stack on DPDK ports: EAL, ports, the mbuf sink, the
// stack core with one interface per port, optional capture, and the poll loop. Built from a
// parsed command line; torn down in the reverse order.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "cli_args.hpp"
#include "pmd_glue/capture.hpp"
#include "pmd_glue/mbuf_impairment.hpp"
#include "pmd_glue/mbuf_sink.hpp"
#include "pmd_glue/poll_loop.hpp"
#include "pmd_glue/port.hpp"
#include "pmd_glue/tsc_clock.hpp"
#include "stack/stack_core.hpp"

namespace multios::net::app {

/// Set by SIGINT/SIGTERM; every command's loop stops on it.
extern std::atomic<bool> g_stop;
/// Set by SIGUSR1: print counters at the next iteration.
extern std::atomic<bool> g_dump;
void install_signal_handlers();

class Runtime {
  public:
    /// Starts EAL and the ports and configures the stack. On failure prints one clear line to
    /// stderr and returns nullptr.
    static std::unique_ptr<Runtime> start(const cli::CliConfig& cfg);
    ~Runtime();
    Runtime(const Runtime&) = delete;
    Runtime& operator=(const Runtime&) = delete;

    StackCore& stack() { return *stack_; }
    glue::PollLoop& loop() { return *loop_; }
    glue::PortSet& ports() { return *ports_; }
    Instant now() const { return clock_->now(); }
    /// Interface names and addresses, one line each (what the stack is listening on).
    std::string describe() const;
    /// The counter report `serve` prints at exit and on SIGUSR1.
    void print_report(std::FILE* out) const;

  private:
    Runtime() = default;
    bool configure_stack(const cli::CliConfig& cfg);

    std::unique_ptr<glue::PortSet> ports_;
    std::unique_ptr<glue::TscClock> clock_;
    std::unique_ptr<glue::MbufFrameSink> sink_;
    std::unique_ptr<glue::Capture> capture_;
    std::unique_ptr<glue::MbufImpairment> impairment_; ///< Only with --loss/--delay/--reorder.
    std::unique_ptr<StackCore> stack_;
    std::unique_ptr<glue::PollLoop> loop_;
};

} // namespace multios::net::app
