// Runs one conformance script (script.hpp) against a tcp::Connection: owns the virtual clock,
// the timer wheel (1 ms tick) whose expiries go to Connection::on_timer, a recording
// SegmentSink and EventSink. Every outgoing payload is checked against the byte pattern the
// application wrote, so a retransmission that sends the wrong bytes fails any script.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <multios/net/time.hpp>

#include "common/timer_wheel.hpp"
#include "script.hpp"
#include "tcp/connection.hpp"

namespace multios::net::conformance_test {

struct RunResult {
    bool ok = true;
    std::string message; ///< Why it failed, with a trace of the last segments.
};

/// The pattern byte at stream offset `off` (both directions use it).
std::uint8_t pattern_byte(std::uint64_t off);

class Harness final : public tcp::SegmentSink, public tcp::EventSink {
  public:
    explicit Harness(const Script& script);
    ~Harness() override;

    RunResult run();

    bool send_segment(const FourTuple& tuple, const tcp::OutgoingSegment& seg,
                      Instant now) override;
    void on_tcp_events(tcp::Connection& c, std::uint32_t events) override;

  private:
    struct Sent {
        SegmentSpec spec; ///< Relative numbers, every field filled.
        Instant at;
    };
    enum class Opening { kNone, kListen, kCookie };

    bool apply_config(std::string& error);
    bool step(const ScriptLine& line, std::string& error);
    bool inject(const ScriptLine& line, std::string& error);
    bool expect(const ScriptLine& line, std::string& error);
    bool run_command(const ScriptLine& line, std::string& error);
    bool app_command(const std::vector<std::string>& w, std::string& error);
    bool assert_command(const std::vector<std::string>& w, std::string& error);
    bool info_command(const std::vector<std::string>& w, std::string& error);
    bool compare(const SegmentSpec& want, const Sent& got, std::string& error) const;

    void advance_to(Instant t);
    void fire(Instant t);
    bool wait_for_segment(Instant deadline);
    bool check_quiet(std::string& error);
    Instant at(double seconds) const;
    double seconds(Instant t) const;
    void make_connection();
    void trace(const std::string& line);

    const Script& script_;
    tcp::TcpConfig cfg_;
    std::string congestion_;
    std::uint16_t local_mss_ = 1460;
    double tolerance_ = 0.002;
    bool v6_ = false;
    std::uint32_t iss_ = 2000000;
    std::uint32_t peer_iss_ = 1000000;
    Opening opening_ = Opening::kNone;
    std::uint16_t cookie_mss_ = 1460;

    Instant t0_;
    Instant now_;
    TimerWheel wheel_;
    std::unique_ptr<tcp::Connection> conn_;

    std::deque<Sent> outq_;
    std::uint32_t last_tsval_ = 0;
    std::uint32_t events_ = 0;
    std::uint64_t app_sent_ = 0;     ///< Stream offset of the next byte send() writes.
    std::uint64_t app_offered_ = 0;  ///< app_sent_ + the bytes of a send() in progress.
    std::uint64_t app_received_ = 0; ///< Stream offset of the next byte recv() returns.
    std::vector<std::string> violations_;
    std::vector<std::string> trace_;
    std::vector<std::byte> payload_;
};

} // namespace multios::net::conformance_test
