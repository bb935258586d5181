// Typed reads of scenario TOML values whose errors point at the value: "FILE:LINE:COL: key:
// what". Internal to the scenario parser (toml++ types do not leave lib/sim's parser files).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <toml++/toml.h>

#include <multios/net/time.hpp>

#include "sim/scenario.hpp"

namespace multios::net::sim::scenario_detail {

/// Empty: success.
using Err = std::optional<ScenarioError>;

class Checker {
  public:
    explicit Checker(std::string_view source) : source_(source) {}

    ScenarioError at(const toml::source_region& where, std::string_view what) const;
    ScenarioError at(const toml::node& node, std::string_view key, std::string_view what) const;

    /// Refuses keys of `table` not in `allowed`; `section` names the table in the message.
    Err only_keys(const toml::table& table, std::string_view section,
                  std::initializer_list<std::string_view> allowed) const;

    Err integer(const toml::node& node, std::string_view key, std::int64_t min, std::int64_t max,
                std::int64_t& out) const;
    /// A number (integer or float) in [0, 1].
    Err fraction(const toml::node& node, std::string_view key, double& out) const;
    /// A finite number >= 0.
    Err non_negative(const toml::node& node, std::string_view key, double& out) const;
    Err boolean(const toml::node& node, std::string_view key, bool& out) const;
    /// A non-empty string.
    Err string(const toml::node& node, std::string_view key, std::string& out) const;
    /// "25ms"-style string, or a number of seconds.
    Err duration(const toml::node& node, std::string_view key, Duration& out) const;
    /// "10Mbit"-style string, or an integer of bits per second.
    Err rate(const toml::node& node, std::string_view key, std::uint64_t& out) const;
    /// "64KiB"-style string, or an integer of bytes.
    Err size(const toml::node& node, std::string_view key, std::uint64_t& out) const;

  private:
    std::string_view source_;
};

/// "an integer", "a string"... for "expected X, got Y" messages.
std::string_view type_phrase(toml::node_type t);

} // namespace multios::net::sim::scenario_detail
