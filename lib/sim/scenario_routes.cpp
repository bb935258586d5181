#include "sim/scenario_routes.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "ip/routing_table.hpp"

namespace multios::net::sim::scenario_detail {

namespace {

constexpr std::size_t kMaxRoutesPerNode = 1000;

/// A prefix other than "default", host bits cleared.
Err read_destination(const Checker& c, const toml::node& n, IpPrefix& out) {
    std::string text;
    if (auto e = c.string(n, "to", text)) {
        return e;
    }
    const auto p = IpPrefix::parse(text);
    if (!p) {
        return c.at(n, "to",
                    fmt::format("'{}' is not a prefix (e.g. \"10.3.0.0/24\", \"fd03::/64\") or "
                                "\"default\"",
                                text));
    }
    out = canonical_prefix(*p);
    return std::nullopt;
}

/// True when `a` is on one of `node`'s subnets and is not its own address.
bool on_link(const NodeSpec& node, const IpAddress& a) {
    bool found = false;
    for (const auto& ia : node.addresses) {
        for (const auto& p : ia.prefixes) {
            if (p.address == a) {
                return false;
            }
            found = found || (p.address.is_v4() == a.is_v4() && p.contains(a));
        }
    }
    return found;
}

Err read_route(const Checker& c, const toml::node& item, NodeSpec& node) {
    const toml::table* t = item.as_table();
    if (t == nullptr) {
        return c.at(item, "routes",
                    "each route is a table: { to = \"PREFIX\", via = \"ADDRESS\" }");
    }
    if (auto e = c.only_keys(*t, "a route", {"to", "via"})) {
        return e;
    }
    const toml::node* to = t->get("to");
    const toml::node* via = t->get("via");
    if (to == nullptr || via == nullptr) {
        return c.at(t->source(), "a route needs both to = \"PREFIX\" and via = \"ADDRESS\"");
    }
    RouteSpec r;
    // "default": the family comes from `via`.
    const bool is_default = to->value<std::string>() == std::optional<std::string>("default");
    if (!is_default) {
        if (auto e = read_destination(c, *to, r.to)) {
            return e;
        }
    }
    std::string text;
    if (auto e = c.string(*via, "via", text)) {
        return e;
    }
    const auto gw = IpAddress::parse(text);
    if (!gw) {
        return c.at(*via, "via", fmt::format("'{}' is not an address", text));
    }
    r.via = *gw;
    if (is_default) {
        r.to = IpPrefix{gw->is_v4() ? IpAddress{Ipv4Address{}} : IpAddress{Ipv6Address{}}, 0};
    } else if (r.to.address.is_v4() != gw->is_v4()) {
        return c.at(*via, "via",
                    fmt::format("{} and {} are of different families", r.to.to_string(), text));
    }
    if (!on_link(node, *gw)) {
        return c.at(*via, "via",
                    fmt::format("{} is not on a subnet of node '{}' (the next hop must be a "
                                "neighbor's address on a shared link)",
                                text, node.name));
    }
    const bool duplicate = std::any_of(node.routes.begin(), node.routes.end(),
                                       [&](const RouteSpec& o) { return o.to == r.to; });
    if (duplicate) {
        return c.at(
            *to, "to",
            fmt::format("node '{}' already has a route to {}", node.name, r.to.to_string()));
    }
    node.routes.push_back(r);
    return std::nullopt;
}

} // namespace

Err read_routes(const Checker& c, const toml::node& routes, NodeSpec& node) {
    const toml::array* arr = routes.as_array();
    if (arr == nullptr) {
        return c.at(routes, "routes",
                    "expected an array of { to = \"PREFIX\", via = \"ADDRESS\" } tables");
    }
    if (arr->size() > kMaxRoutesPerNode) {
        return c.at((*arr)[kMaxRoutesPerNode], "routes",
                    fmt::format("more than {} routes", kMaxRoutesPerNode));
    }
    for (const auto& item : *arr) {
        if (auto e = read_route(c, item, node)) {
            return e;
        }
    }
    return std::nullopt;
}

Err read_routing_mode(const Checker& c, const toml::node& n, RoutingMode& out) {
    std::string text;
    if (auto e = c.string(n, "routing", text)) {
        return e;
    }
    if (text == "auto") {
        out = RoutingMode::automatic;
    } else if (text == "static") {
        out = RoutingMode::manual;
    } else {
        return c.at(n, "routing", fmt::format("unknown routing '{}' (known: auto, static)", text));
    }
    return std::nullopt;
}

} // namespace multios::net::sim::scenario_detail
