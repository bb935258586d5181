// `[[interface]]` tables: one DPDK port and the stack's interface on it. Every value is checked
// like the matching command-line port option (--vdev, --ip, --mac, --mtu, --loss, --delay,
// --reorder), so a file cannot configure what the command line would refuse.
#include "config/interface_section.hpp"

#include <fmt/format.h>

namespace multios::net::config {

std::string InterfaceSection::device_or_default() const {
    return device ? *device : fmt::format("net_tap0,iface={}", name);
}

namespace detail {

namespace {

constexpr std::string_view kInterfaceKeys[] = {"name", "device", "addresses", "mac",
                                               "mtu",  "loss",   "delay_ms",  "reorder"};

/// The DPDK driver instance ("net_tap0" of "net_tap0,iface=mnet0").
std::string_view device_name(std::string_view vdev) {
    return vdev.substr(0, vdev.find(','));
}

bool valid_interface_name(std::string_view n) {
    if (n.empty() || n.size() > kMaxInterfaceName)
        return false;
    for (char c : n) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
        if (!ok)
            return false;
    }
    return true;
}

/// Where the parts of one interface were written, for checks across keys and interfaces.
struct Places {
    toml::source_region name, device, mtu;
    bool has_mtu = false;
};

Error read_name(const Reader& r, const toml::table& t, const std::string& path,
                InterfaceSection& out, Places& at) {
    const toml::node* n = t.get("name");
    if (!n)
        return r.at(t.source(), fmt::format("{}: missing key 'name'", path));
    if (auto e = r.string(*n, path + ".name", out.name))
        return e;
    if (!valid_interface_name(out.name))
        return r.at(*n, path + ".name",
                    fmt::format("'{}' is not an interface name (1..{} of A-Z a-z 0-9 _ - .)",
                                out.name, kMaxInterfaceName));
    at.name = n->source();
    at.device = n->source();
    return std::nullopt;
}

Error read_device(const Reader& r, const toml::node& n, const std::string& key,
                  InterfaceSection& out, Places& at) {
    std::string dev;
    if (auto e = r.string(n, key, dev))
        return e;
    if (device_name(dev).empty() || dev.find_first_of(" \t") != std::string::npos)
        return r.at(n, key,
                    fmt::format("'{}' is not a DPDK device like net_tap0,iface=mnet0", dev));
    out.device = std::move(dev);
    at.device = n.source();
    return std::nullopt;
}

bool unicast(const IpAddress& a) {
    if (a.is_v4())
        return !(a.v4().is_unspecified() || a.v4().is_multicast() || a.v4().is_broadcast());
    return !(a.v6().is_unspecified() || a.v6().is_multicast());
}

Error read_addresses(const Reader& r, const toml::node& n, const std::string& key,
                     InterfaceSection& out) {
    std::vector<PlacedString> texts;
    if (auto e = r.strings(n, key, texts))
        return e;
    for (const auto& t : texts) {
        auto p = IpPrefix::parse(t.text);
        if (!p)
            return r.at(t.where, fmt::format("{}: '{}' is not ADDR/PREFIX, e.g. 10.0.0.2/24 or "
                                             "fd00::2/64",
                                             key, t.text));
        if (!unicast(p->address))
            return r.at(t.where, fmt::format("{}: '{}' is not a unicast address", key, t.text));
        for (const auto& have : out.addresses)
            if (have.address == p->address)
                return r.at(t.where, fmt::format("{}: address '{}' given twice", key, t.text));
        out.addresses.push_back(*p);
    }
    return std::nullopt;
}

Error read_mac(const Reader& r, const toml::node& n, const std::string& key,
               InterfaceSection& out) {
    std::string text;
    if (auto e = r.string(n, key, text))
        return e;
    auto m = MacAddress::parse(text);
    if (!m)
        return r.at(n, key, fmt::format("'{}' is not a MAC address like 02:00:00:00:00:02", text));
    if (m->is_multicast() || m->is_zero())
        return r.at(n, key, fmt::format("'{}' is not a unicast MAC address", text));
    out.mac = *m;
    return std::nullopt;
}

/// One key of an interface table other than `name`.
Error read_interface_key(const Reader& r, std::string_view k, const toml::node& n,
                         const std::string& path, InterfaceSection& out, Places& at) {
    const std::string key = fmt::format("{}.{}", path, k);
    std::int64_t i = 0;
    if (k == "device")
        return read_device(r, n, key, out, at);
    if (k == "addresses")
        return read_addresses(r, n, key, out);
    if (k == "mac")
        return read_mac(r, n, key, out);
    if (k == "loss")
        return r.fraction(n, key, out.loss);
    if (k == "reorder")
        return r.fraction(n, key, out.reorder);
    if (k == "mtu") {
        if (auto e = r.integer(n, key, kMinMtu, kMaxMtu, i))
            return e;
        out.mtu = static_cast<std::uint16_t>(i);
        at.mtu = n.source();
        at.has_mtu = true;
        return std::nullopt;
    }
    if (k == "delay_ms") {
        if (auto e = r.integer(n, key, 0, kMaxDelayMs, i))
            return e;
        out.delay_ms = static_cast<std::uint32_t>(i);
        return std::nullopt;
    }
    return std::nullopt; // "name": read first, by read_name
}

Error read_interface(const Reader& r, const toml::table& t, const std::string& path,
                     InterfaceSection& out, Places& at) {
    if (auto e = r.only_keys(t, path, kInterfaceKeys))
        return e;
    if (auto e = read_name(r, t, path, out, at))
        return e;
    for (auto&& [k, v] : t)
        if (auto e = read_interface_key(r, k.str(), v, path, out, at))
            return e;
    bool has_v6 = false;
    for (const auto& a : out.addresses)
        has_v6 = has_v6 || a.address.is_v6();
    // RFC 8200 section 5: every link carrying IPv6 must have an MTU of 1280 or more.
    if (has_v6 && out.mtu && *out.mtu < kMinMtuV6)
        return r.at(at.mtu, fmt::format("{}.mtu: {} is below {}, the IPv6 minimum (the interface "
                                        "has IPv6 addresses)",
                                        path, *out.mtu, kMinMtuV6));
    return std::nullopt;
}

/// Names and DPDK devices must differ between interfaces.
Error check_unique(const Reader& r, const std::vector<InterfaceSection>& have,
                   const std::vector<Places>& places, const std::string& path) {
    const InterfaceSection& cur = have.back();
    const std::string dev = cur.device_or_default();
    for (std::size_t i = 0; i + 1 < have.size(); ++i) {
        if (have[i].name == cur.name)
            return r.at(places.back().name,
                        fmt::format("{}.name: interface name '{}' already used by interface[{}]",
                                    path, cur.name, i));
        if (device_name(have[i].device_or_default()) == device_name(dev))
            return r.at(places.back().device,
                        fmt::format("{}.device: DPDK device '{}' already used by interface[{}] "
                                    "(without `device`, an interface uses net_tap0,iface=NAME)",
                                    path, device_name(dev), i));
    }
    return std::nullopt;
}

} // namespace

Error read_interfaces(const Reader& r, const toml::node& node, std::vector<InterfaceSection>& out) {
    if (node.is_table())
        return r.at(node, "interface", "write [[interface]] (an array of tables), not [interface]");
    const auto* arr = node.as_array();
    if (!arr)
        return r.at(node, "interface",
                    fmt::format("expected [[interface]] tables, got {}", type_phrase(node.type())));
    std::vector<Places> places;
    for (std::size_t i = 0; i < arr->size(); ++i) {
        const std::string path = fmt::format("interface[{}]", i);
        const toml::node& item = *arr->get(i);
        const auto* t = item.as_table();
        if (!t)
            return r.at(item, path,
                        fmt::format("expected a table, got {}", type_phrase(item.type())));
        out.emplace_back();
        places.emplace_back();
        if (auto e = read_interface(r, *t, path, out.back(), places.back()))
            return e;
        if (auto e = check_unique(r, out, places, path))
            return e;
    }
    return std::nullopt;
}

} // namespace detail

} // namespace multios::net::config
