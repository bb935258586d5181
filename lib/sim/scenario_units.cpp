#include "sim/scenario_units.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <utility>

namespace multios::net::sim {

namespace {

/// A number followed by a unit: splits at the first character that cannot continue a decimal
/// number. nullopt when the number is missing, malformed, negative or not finite.
struct Quantity {
    double value = 0;
    std::string_view unit;
};

std::optional<Quantity> split_quantity(std::string_view text) {
    std::size_t end = 0;
    while (end < text.size() && ((text[end] >= '0' && text[end] <= '9') || text[end] == '.')) {
        ++end;
    }
    if (end == 0) {
        return std::nullopt;
    }
    double v = 0;
    const auto r = std::from_chars(text.data(), text.data() + end, v);
    if (r.ec != std::errc{} || r.ptr != text.data() + end || !std::isfinite(v)) {
        return std::nullopt;
    }
    std::string_view unit = text.substr(end);
    while (!unit.empty() && unit.front() == ' ') {
        unit.remove_prefix(1);
    }
    return Quantity{v, unit};
}

/// value * scale as an integer, nullopt when it does not fit in `limit`.
std::optional<std::uint64_t> scaled(double value, double scale, double limit) {
    const double x = std::round(value * scale);
    if (!(x >= 0) || x > limit) {
        return std::nullopt;
    }
    return static_cast<std::uint64_t>(x);
}

template <std::size_t N>
std::optional<double> unit_scale(std::string_view unit,
                                 const std::array<std::pair<std::string_view, double>, N>& table) {
    for (const auto& [name, scale] : table) {
        if (unit == name) {
            return scale;
        }
    }
    return std::nullopt;
}

} // namespace

std::optional<std::uint64_t> parse_rate(std::string_view text) {
    const auto q = split_quantity(text);
    if (!q) {
        return std::nullopt;
    }
    std::string_view unit = q->unit;
    if (unit.size() > 2 && unit.substr(unit.size() - 2) == "/s") {
        unit.remove_suffix(2);
    }
    static constexpr std::array<std::pair<std::string_view, double>, 4> kUnits{{
        {"bit", 1.0},
        {"kbit", 1e3},
        {"Mbit", 1e6},
        {"Gbit", 1e9},
    }};
    const auto s = unit_scale(unit, kUnits);
    if (!s) {
        return std::nullopt;
    }
    return scaled(q->value, *s, 1e12); // 1 Tbit/s is beyond anything the simulator can carry
}

std::optional<Duration> parse_duration(std::string_view text) {
    const auto q = split_quantity(text);
    if (!q) {
        return std::nullopt;
    }
    static constexpr std::array<std::pair<std::string_view, double>, 6> kUnits{{
        {"ns", 1.0},
        {"us", 1e3},
        {"ms", 1e6},
        {"s", 1e9},
        {"min", 60e9},
        {"h", 3600e9},
    }};
    const auto s = unit_scale(q->unit, kUnits);
    if (!s) {
        return std::nullopt;
    }
    // A year of simulated time is far beyond any run and far inside int64 nanoseconds.
    const auto ns = scaled(q->value, *s, 365.0 * 86400e9);
    if (!ns) {
        return std::nullopt;
    }
    return Duration(static_cast<Duration::rep>(*ns));
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
    const auto q = split_quantity(text);
    if (!q) {
        return std::nullopt;
    }
    static constexpr std::array<std::pair<std::string_view, double>, 8> kUnits{{
        {"", 1.0},
        {"B", 1.0},
        {"KB", 1e3},
        {"MB", 1e6},
        {"GB", 1e9},
        {"KiB", 1024.0},
        {"MiB", 1024.0 * 1024},
        {"GiB", 1024.0 * 1024 * 1024},
    }};
    const auto s = unit_scale(q->unit, kUnits);
    if (!s) {
        return std::nullopt;
    }
    return scaled(q->value, *s, 1e15);
}

} // namespace multios::net::sim
