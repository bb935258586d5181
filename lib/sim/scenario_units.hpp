// Quantities with units as scenario files write them: rates ("10Mbit"), durations ("25ms")
// and sizes ("64KiB"). Pure functions; nullopt for anything malformed, negative or too big.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include <multios/net/time.hpp>

namespace multios::net::sim {

/// "10Mbit", "1.5Gbit", "64kbit", "9600bit" (an optional "/s" after any of them): bits per
/// second. Byte-based spellings ("Mbps", "MB/s") are refused: they are ambiguous.
std::optional<std::uint64_t> parse_rate(std::string_view text);

/// "25ms", "1.5s", "100us", "500ns", "2min": a non-negative duration, rounded to 1 ns.
std::optional<Duration> parse_duration(std::string_view text);

/// "1500", "1500B", "64KiB", "10MB", "1GiB" (K/M/G = 1000s, Ki/Mi/Gi = 1024s): bytes.
std::optional<std::uint64_t> parse_size(std::string_view text);

} // namespace multios::net::sim
