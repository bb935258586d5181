// Typed reads of TOML values (toml_reader.hpp). Each check names the key and points at the
// value, so that a user can go straight to the line that is wrong.
#include "config/toml_reader.hpp"

#include <cmath>

#include <fmt/format.h>

namespace multios::net::config::detail {

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

ConfigError Reader::at(const toml::source_region& where, std::string_view what) const {
    return ConfigError{
        fmt::format("{}:{}:{}: {}", source_, where.begin.line, where.begin.column, what)};
}

ConfigError Reader::at(const toml::node& node, std::string_view key, std::string_view what) const {
    return at(node.source(), fmt::format("{}: {}", key, what));
}

Error Reader::only_keys(const toml::table& table, std::string_view section,
                        std::span<const std::string_view> allowed) const {
    for (auto&& [key, value] : table) {
        bool known = false;
        for (auto a : allowed)
            known = known || key.str() == a;
        if (!known) {
            std::string list;
            for (auto a : allowed)
                list += fmt::format("{}{}", list.empty() ? "" : ", ", a);
            return at(key.source(),
                      fmt::format("unknown key '{}' in {} (known: {})", key.str(), section, list));
        }
    }
    return std::nullopt;
}

namespace {

std::string expected(std::string_view want, const toml::node& node) {
    return fmt::format("expected {}, got {}", want, type_phrase(node.type()));
}

} // namespace

Error Reader::integer(const toml::node& node, std::string_view key, std::int64_t min,
                      std::int64_t max, std::int64_t& out) const {
    const auto* v = node.as_integer();
    if (!v)
        return at(node, key, expected(fmt::format("an integer in {}..{}", min, max), node));
    if (v->get() < min || v->get() > max)
        return at(node, key, fmt::format("{} is outside {}..{}", v->get(), min, max));
    out = v->get();
    return std::nullopt;
}

Error Reader::fraction(const toml::node& node, std::string_view key, double& out) const {
    double d = 0;
    if (const auto* i = node.as_integer())
        d = static_cast<double>(i->get());
    else if (const auto* f = node.as_floating_point())
        d = f->get();
    else
        return at(node, key, expected("a fraction in 0..1", node));
    if (!std::isfinite(d) || d < 0.0 || d > 1.0)
        return at(node, key, fmt::format("{} is outside 0..1", d));
    out = d;
    return std::nullopt;
}

Error Reader::boolean(const toml::node& node, std::string_view key, bool& out) const {
    const auto* v = node.as_boolean();
    if (!v)
        return at(node, key, expected("true or false", node));
    out = v->get();
    return std::nullopt;
}

Error Reader::string(const toml::node& node, std::string_view key, std::string& out) const {
    const auto* v = node.as_string();
    if (!v)
        return at(node, key, expected("a string", node));
    if (v->get().empty())
        return at(node, key, "must not be empty");
    out = v->get();
    return std::nullopt;
}

Error Reader::strings(const toml::node& node, std::string_view key,
                      std::vector<PlacedString>& out) const {
    if (const auto* s = node.as_string()) {
        out.push_back({s->get(), s->source()});
        return std::nullopt;
    }
    const auto* arr = node.as_array();
    if (!arr)
        return at(node, key, expected("a string or an array of strings", node));
    for (const auto& item : *arr) {
        const auto* s = item.as_string();
        if (!s)
            return at(item, key, expected("a string in the array", item));
        out.push_back({s->get(), s->source()});
    }
    return std::nullopt;
}

} // namespace multios::net::config::detail
