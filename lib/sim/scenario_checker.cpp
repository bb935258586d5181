// Typed reads for the scenario parser: each error names the key and points at the value.
#include "sim/scenario_checker.hpp"

#include <cmath>

#include <fmt/format.h>

#include "sim/scenario_units.hpp"

namespace multios::net::sim::scenario_detail {

std::string_view type_phrase(toml::node_type t) {
    switch (t) {
    case toml::node_type::table:
        return "a table";
    case toml::node_type::array:
        return "an array";
    case toml::node_type::string:
        return "a string";
    case toml::node_type::integer:
        return "an integer";
    case toml::node_type::floating_point:
        return "a number";
    case toml::node_type::boolean:
        return "a boolean";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
        return "a date/time";
    case toml::node_type::none:
        break;
    }
    return "nothing";
}

namespace {
std::string expected(std::string_view want, const toml::node& node) {
    return fmt::format("expected {}, got {}", want, type_phrase(node.type()));
}
} // namespace

ScenarioError Checker::at(const toml::source_region& where, std::string_view what) const {
    return ScenarioError{
        fmt::format("{}:{}:{}: {}", source_, where.begin.line, where.begin.column, what)};
}

ScenarioError Checker::at(const toml::node& node, std::string_view key,
                          std::string_view what) const {
    return at(node.source(), fmt::format("{}: {}", key, what));
}

Err Checker::only_keys(const toml::table& table, std::string_view section,
                       std::initializer_list<std::string_view> allowed) const {
    for (auto&& [key, value] : table) {
        bool known = false;
        for (auto a : allowed) {
            known = known || key.str() == a;
        }
        if (!known) {
            std::string list;
            for (auto a : allowed) {
                list += fmt::format("{}{}", list.empty() ? "" : ", ", a);
            }
            return at(key.source(),
                      fmt::format("unknown key '{}' in {} (known: {})", key.str(), section, list));
        }
    }
    return std::nullopt;
}

Err Checker::integer(const toml::node& node, std::string_view key, std::int64_t min,
                     std::int64_t max, std::int64_t& out) const {
    const auto* v = node.as_integer();
    if (v == nullptr) {
        return at(node, key, expected(fmt::format("an integer in {}..{}", min, max), node));
    }
    if (v->get() < min || v->get() > max) {
        return at(node, key, fmt::format("{} is outside {}..{}", v->get(), min, max));
    }
    out = v->get();
    return std::nullopt;
}

Err Checker::non_negative(const toml::node& node, std::string_view key, double& out) const {
    double d = 0;
    if (const auto* i = node.as_integer()) {
        d = static_cast<double>(i->get());
    } else if (const auto* f = node.as_floating_point()) {
        d = f->get();
    } else {
        return at(node, key, expected("a number", node));
    }
    if (!std::isfinite(d) || d < 0.0) {
        return at(node, key, fmt::format("{} must be a finite number >= 0", d));
    }
    out = d;
    return std::nullopt;
}

Err Checker::fraction(const toml::node& node, std::string_view key, double& out) const {
    double d = 0;
    if (auto e = non_negative(node, key, d)) {
        return at(node, key, expected("a probability in 0..1", node));
    }
    if (d > 1.0) {
        return at(node, key, fmt::format("{} is outside 0..1", d));
    }
    out = d;
    return std::nullopt;
}

Err Checker::boolean(const toml::node& node, std::string_view key, bool& out) const {
    const auto* v = node.as_boolean();
    if (v == nullptr) {
        return at(node, key, expected("true or false", node));
    }
    out = v->get();
    return std::nullopt;
}

Err Checker::string(const toml::node& node, std::string_view key, std::string& out) const {
    const auto* v = node.as_string();
    if (v == nullptr) {
        return at(node, key, expected("a string", node));
    }
    if (v->get().empty()) {
        return at(node, key, "must not be empty");
    }
    out = v->get();
    return std::nullopt;
}

Err Checker::duration(const toml::node& node, std::string_view key, Duration& out) const {
    if (const auto* s = node.as_string()) {
        const auto d = parse_duration(s->get());
        if (!d) {
            return at(node, key,
                      fmt::format("'{}' is not a duration (e.g. \"25ms\", \"1.5s\", \"100us\")",
                                  s->get()));
        }
        out = *d;
        return std::nullopt;
    }
    double seconds = 0;
    if (node.is_number()) {
        if (auto e = non_negative(node, key, seconds)) {
            return e;
        }
        const auto d = parse_duration(fmt::format("{}s", seconds));
        if (!d) {
            return at(node, key, fmt::format("{} seconds is too long", seconds));
        }
        out = *d;
        return std::nullopt;
    }
    return at(node, key, expected("a duration such as \"25ms\" or a number of seconds", node));
}

Err Checker::rate(const toml::node& node, std::string_view key, std::uint64_t& out) const {
    if (const auto* s = node.as_string()) {
        const auto r = parse_rate(s->get());
        if (!r) {
            return at(node, key,
                      fmt::format("'{}' is not a rate (bits per second, e.g. \"10Mbit\", "
                                  "\"1.5Gbit\", \"64kbit\")",
                                  s->get()));
        }
        out = *r;
        return std::nullopt;
    }
    std::int64_t bps = 0;
    if (node.as_integer() != nullptr) {
        if (auto e = integer(node, key, 0, 1'000'000'000'000, bps)) {
            return e;
        }
        out = static_cast<std::uint64_t>(bps);
        return std::nullopt;
    }
    return at(node, key, expected("a rate such as \"10Mbit\" or an integer of bit/s", node));
}

Err Checker::size(const toml::node& node, std::string_view key, std::uint64_t& out) const {
    if (const auto* s = node.as_string()) {
        const auto r = parse_size(s->get());
        if (!r) {
            return at(
                node, key,
                fmt::format("'{}' is not a size (e.g. \"1500\", \"64KiB\", \"10MB\")", s->get()));
        }
        out = *r;
        return std::nullopt;
    }
    std::int64_t bytes = 0;
    if (node.as_integer() != nullptr) {
        if (auto e = integer(node, key, 0, std::int64_t{1} << 50, bytes)) {
            return e;
        }
        out = static_cast<std::uint64_t>(bytes);
        return std::nullopt;
    }
    return at(node, key, expected("a size such as \"64KiB\" or an integer of bytes", node));
}

} // namespace multios::net::sim::scenario_detail
