// Stack configuration files: the top level, [stack] and [tcp], and reading the file.
// [[interface]] tables are read by interface_section.cpp. Format: docs/config.md.
#include "config/stack_config_file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

#include <fmt/format.h>

#include "config/interface_section.hpp"
#include "config/toml_reader.hpp"

namespace multios::net::config {

namespace {

using detail::Error;
using detail::Reader;

constexpr std::string_view kTopKeys[] = {"stack", "tcp", "interface"};
constexpr std::string_view kStackKeys[] = {"lcores", "seed", "pcap", "eal", "gateway"};
constexpr std::string_view kTcpKeys[] = {"send_buffer", "receive_buffer", "nodelay",
                                         "syn_cookies", "congestion",     "max_connections"};

Error read_gateways(const Reader& r, const toml::node& n, FileConfig& out) {
    std::vector<detail::PlacedString> texts;
    if (auto e = r.strings(n, "stack.gateway", texts))
        return e;
    for (const auto& t : texts) {
        auto a = IpAddress::parse(t.text);
        if (!a)
            return r.at(t.where,
                        fmt::format("stack.gateway: '{}' is not an IPv4 or IPv6 address", t.text));
        const bool twice = a->is_v4() ? out.gateway_v4.has_value() : out.gateway_v6.has_value();
        if (twice)
            return r.at(t.where, fmt::format("stack.gateway: more than one IPv{} gateway",
                                             a->is_v4() ? 4 : 6));
        if (a->is_v4())
            out.gateway_v4 = a->v4();
        else
            out.gateway_v6 = a->v6();
    }
    return std::nullopt;
}

Error read_eal(const Reader& r, const toml::node& n, FileConfig& out) {
    const auto* s = n.as_string();
    if (!s)
        return r.at(n, "stack.eal",
                    fmt::format("expected a string, got {}", detail::type_phrase(n.type())));
    auto words = eal_words(s->get());
    if (!words)
        return r.at(n, "stack.eal", "a quote is left open");
    for (const auto& w : *words)
        if (auto why = refused_eal_word(w))
            return r.at(n, "stack.eal", *why);
    out.eal_args = s->get();
    return std::nullopt;
}

Error read_stack_key(const Reader& r, std::string_view k, const toml::node& n, FileConfig& out) {
    std::int64_t i = 0;
    if (k == "lcores") {
        if (auto e = r.integer(n, "stack.lcores", 1, kMaxLcores, i))
            return e;
        out.lcores = static_cast<unsigned>(i);
    } else if (k == "seed") {
        // TOML integers are signed 64-bit: seeds above 2^63-1 only fit on the command line.
        if (auto e = r.integer(n, "stack.seed", 0, std::numeric_limits<std::int64_t>::max(), i))
            return e;
        out.seed = static_cast<std::uint64_t>(i);
    } else if (k == "pcap") {
        std::string file;
        if (auto e = r.string(n, "stack.pcap", file))
            return e;
        out.pcap = std::move(file);
    } else if (k == "eal") {
        return read_eal(r, n, out);
    } else if (k == "gateway") {
        return read_gateways(r, n, out);
    }
    return std::nullopt;
}

Error read_size(const Reader& r, const toml::node& n, std::string_view key, std::int64_t min,
                std::int64_t max, std::optional<std::size_t>& out) {
    std::int64_t i = 0;
    if (auto e = r.integer(n, key, min, max, i))
        return e;
    out = static_cast<std::size_t>(i);
    return std::nullopt;
}

Error read_congestion(const Reader& r, const toml::node& n, TcpSection& out) {
    std::string name;
    if (auto e = r.string(n, "tcp.congestion", name))
        return e;
    // The names of make_congestion_control() (lib/tcp/congestion); "reno" means NewReno,
    // the form of Reno every stack runs today (RFC 6582).
    if (name == "reno")
        name = "newreno";
    if (name != "newreno" && name != "cubic")
        return r.at(n, "tcp.congestion",
                    fmt::format("unknown algorithm '{}' (known: newreno, reno, cubic)", name));
    out.congestion = std::move(name);
    return std::nullopt;
}

Error read_tcp_key(const Reader& r, std::string_view k, const toml::node& n, TcpSection& out) {
    constexpr auto kMinBuf = static_cast<std::int64_t>(kMinTcpBuffer);
    constexpr auto kMaxBuf = static_cast<std::int64_t>(kMaxTcpBuffer);
    bool b = false;
    std::int64_t i = 0;
    if (k == "send_buffer")
        return read_size(r, n, "tcp.send_buffer", kMinBuf, kMaxBuf, out.send_buffer);
    if (k == "receive_buffer")
        return read_size(r, n, "tcp.receive_buffer", kMinBuf, kMaxBuf, out.receive_buffer);
    if (k == "congestion")
        return read_congestion(r, n, out);
    if (k == "max_connections") {
        if (auto e = r.integer(n, "tcp.max_connections", 1, kMaxTcpConnections, i))
            return e;
        out.max_connections = static_cast<unsigned>(i);
        return std::nullopt;
    }
    if (auto e = r.boolean(n, fmt::format("tcp.{}", k), b))
        return e;
    (k == "nodelay" ? out.nodelay : out.syn_cookies) = b;
    return std::nullopt;
}

/// A top-level table: checks its keys, then reads each with `read_key`.
template <class Out, class ReadKey>
Error read_table(const Reader& r, const toml::node& n, std::string_view name,
                 std::span<const std::string_view> keys, Out& out, ReadKey read_key) {
    const auto* t = n.as_table();
    if (!t)
        return r.at(
            n, name,
            fmt::format("expected a table [{}], got {}", name, detail::type_phrase(n.type())));
    if (auto e = r.only_keys(*t, fmt::format("[{}]", name), keys))
        return e;
    for (auto&& [k, v] : *t)
        if (auto e = read_key(r, k.str(), v, out))
            return e;
    return std::nullopt;
}

Error read_document(const Reader& r, const toml::table& doc, FileConfig& out) {
    if (auto e = r.only_keys(doc, "the top level", kTopKeys))
        return e;
    if (const toml::node* n = doc.get("stack"))
        if (auto e = read_table(r, *n, "stack", kStackKeys, out, read_stack_key))
            return e;
    if (const toml::node* n = doc.get("tcp"))
        if (auto e = read_table(r, *n, "tcp", kTcpKeys, out.tcp, read_tcp_key))
            return e;
    if (const toml::node* n = doc.get("interface"))
        if (auto e = detail::read_interfaces(r, *n, out.interfaces))
            return e;
    return std::nullopt;
}

} // namespace

std::variant<FileConfig, ConfigError> parse_stack_config(std::string_view text,
                                                         std::string_view source_name) {
    const Reader r(source_name);
    toml::table doc;
    try {
        doc = toml::parse(text, source_name);
    } catch (const toml::parse_error& e) {
        return r.at(e.source(), e.description());
    }
    FileConfig out;
    if (auto e = read_document(r, doc, out))
        return *e;
    return out;
}

std::variant<FileConfig, ConfigError> load_stack_config(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        const int err = errno;
        return ConfigError{fmt::format("{}: cannot read the configuration file: {}", path,
                                       std::strerror(err ? err : ENOENT))};
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        const int err = errno;
        return ConfigError{fmt::format("{}: cannot read the configuration file: {}", path,
                                       std::strerror(err ? err : EIO))};
    }
    return parse_stack_config(text.str(), path);
}

} // namespace multios::net::config
