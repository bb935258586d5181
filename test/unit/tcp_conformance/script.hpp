// The conformance script language: a packetdrill-like text format, parsed into lines that the
// harness (harness.hpp) executes against one tcp::Connection on a virtual clock.
//
//   # comment            header comments name the RFC section the script checks
//   # xfail: reason      the script is known to fail (the suite then expects a failure)
//   config k=v ...       TcpConfig fields and harness settings, before the first timed line
//   TIME[~TOL] LINE      TIME is seconds, absolute ("0.200") or relative to the previous
//                        line ("+0.2"); TOL widens the window an expected segment may leave in
//   LINE := < SEG        inject a segment from the peer
//         | > SEG        expect our next segment (fields the script names are compared)
//         | COMMAND ...  application call or assertion (see harness.cpp, run_command);
//                        "drain" discards the segments sent so far, unchecked
//   SEG  := FLAGS SEQ [ack N] [win N] [urg N] [<OPTIONS>]
//   FLAGS: S F R P U E W and "." for ACK; SEQ: start:end(len) or start, relative to the
//   sender's ISS (ours for ">", the peer's for "<"), as in packetdrill.
//   Expectations ignore PSH, and ACK on an RST unless the line gives "ack N".
//   OPTIONS: mss N, wscale N, sackOK, TS val N ecr N ("*" = any; on "<" an omitted/"*" ecr
//   echoes our last TSval), sack A:B A:B (relative), nop (ignored). "<>" = no options.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace multios::net::conformance_test {

struct OptionSpec {
    std::optional<std::uint16_t> mss;
    std::optional<std::uint8_t> wscale;
    bool sack_permitted = false;
    bool timestamps = false;
    std::optional<std::uint32_t> ts_val; ///< nullopt: any (expect) / harness clock (inject).
    std::optional<std::uint32_t> ts_ecr; ///< nullopt: any (expect) / echo ours (inject).
    std::vector<std::pair<std::uint32_t, std::uint32_t>> sack; ///< Relative blocks.
};

struct SegmentSpec {
    std::uint8_t flags = 0;
    std::uint32_t seq = 0; ///< Relative to the sender's ISS.
    std::uint32_t len = 0;
    std::optional<std::uint32_t> ack; ///< Relative to the receiver's ISS.
    std::optional<std::uint16_t> window;
    std::optional<std::uint16_t> urgent;
    std::optional<OptionSpec> options; ///< nullopt: not checked (expect) / none (inject).
};

enum class LineKind { kInject, kExpect, kCommand };

struct ScriptLine {
    int number = 0;        ///< 1-based line in the file.
    std::string text;      ///< As written, for messages.
    double time = 0;       ///< Absolute seconds after script start.
    double tolerance = -1; ///< < 0: harness default.
    LineKind kind = LineKind::kCommand;
    SegmentSpec segment;
    std::vector<std::string> words; ///< kCommand: command and arguments.
};

struct Script {
    std::string name;
    std::string xfail; ///< Non-empty: expected to fail, and why.
    std::vector<std::pair<std::string, std::string>> config;
    std::vector<ScriptLine> lines;
};

/// Parses a script; on a syntax error returns nullopt and sets `error` ("line N: ...").
std::optional<Script> parse_script(const std::string& name, const std::string& text,
                                   std::string& error);

/// Parses the segment part of a line ("S. 0:0(0) ack 1 <mss 1460>"); false on a syntax error.
bool parse_segment(const std::string& text, SegmentSpec& out, std::string& error);

/// Formats a segment spec the way scripts write it.
std::string format_segment(const SegmentSpec& s);

} // namespace multios::net::conformance_test
