// Typed reads of TOML values with errors that point at the value: "FILE:LINE:COL: key: what".
// Internal to lib/config (toml++ types do not leave this library).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "config/stack_config_file.hpp"

namespace multios::net::config::detail {

/// Empty: success.
using Error = std::optional<ConfigError>;

/// A string value and where it was written (addresses are checked one by one).
struct PlacedString {
    std::string text;
    toml::source_region where;
};

/// Formats errors for one source (file name).
class Reader {
  public:
    explicit Reader(std::string_view source) : source_(source) {}

    ConfigError at(const toml::source_region& where, std::string_view what) const;
    ConfigError at(const toml::node& node, std::string_view key, std::string_view what) const;

    /// Refuses keys of `table` not in `allowed`; `section` names the table in the message.
    Error only_keys(const toml::table& table, std::string_view section,
                    std::span<const std::string_view> allowed) const;

    /// An integer in [min, max].
    Error integer(const toml::node& node, std::string_view key, std::int64_t min, std::int64_t max,
                  std::int64_t& out) const;
    /// A number (integer or float) in [0, 1].
    Error fraction(const toml::node& node, std::string_view key, double& out) const;
    Error boolean(const toml::node& node, std::string_view key, bool& out) const;
    /// A non-empty string.
    Error string(const toml::node& node, std::string_view key, std::string& out) const;
    /// One string or an array of strings.
    Error strings(const toml::node& node, std::string_view key,
                  std::vector<PlacedString>& out) const;

  private:
    std::string_view source_;
};

/// "an integer", "a string"... for "expected X, got Y" messages.
std::string_view type_phrase(toml::node_type t);

} // namespace multios::net::config::detail
