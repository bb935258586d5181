// Parser for the `multios-net` command line (grammar in cli_args.hpp and CONTRACTS.md).
//
// The parser walks the words once, left to right: global and port options up to the first word
// that is not an option (the command), then the command's own options and arguments, which may
// be mixed in any order. Every failure is a message for the user, never an exception.
#include "cli_args.hpp"

#include "config/stack_config_file.hpp"

#include <charconv>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "cli_config_file.hpp"
#include "help.hpp"

namespace multios::net::cli {

std::string_view to_string(Command c) {
    switch (c) {
    case Command::Serve:
        return "serve";
    case Command::Ping:
        return "ping";
    case Command::Demo:
        return "demo";
    case Command::Get:
        return "get";
    case Command::Simulate:
        return "simulate";
    case Command::Load:
        return "load";
    }
    return "?";
}

namespace {

/// A usage error message (without the "see --help" hint); empty optional means success.
using Error = std::optional<std::string>;

// ---------------------------------------------------------------------------------------------
// Values

template <class T>
std::optional<T> parse_unsigned(std::string_view text, T min, T max) {
    T v{};
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, v, 10);
    if (text.empty() || ec != std::errc{} || ptr != end || v < min || v > max)
        return std::nullopt;
    return v;
}

/// A finite decimal number in [min, max]; `min_exclusive` makes the lower bound open.
std::optional<double> parse_number(std::string_view text, double min, double max,
                                   bool min_exclusive = false) {
    double v = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, v);
    if (text.empty() || ec != std::errc{} || ptr != end || !std::isfinite(v))
        return std::nullopt;
    if (v > max || v < min || (min_exclusive && v == min))
        return std::nullopt;
    return v;
}

std::string bad_value(std::string_view option, std::string_view value, std::string_view want) {
    return fmt::format("invalid value '{}' for {}: expected {}", value, option, want);
}

/// Parses into `out`, or returns the message for a bad value.
template <class T>
Error set_unsigned(T& out, std::string_view option, std::string_view value, T min, T max) {
    auto v = parse_unsigned<T>(value, min, max);
    if (!v)
        return bad_value(option, value, fmt::format("an integer in {}..{}", min, max));
    out = *v;
    return std::nullopt;
}

Error set_fraction(double& out, std::string_view option, std::string_view value) {
    auto v = parse_number(value, 0.0, 1.0);
    if (!v)
        return bad_value(option, value, "a fraction in 0..1");
    out = *v;
    return std::nullopt;
}

Error set_seconds(double& out, std::string_view option, std::string_view value) {
    auto v = parse_number(value, 0.0, kMaxPingSeconds, true);
    if (!v)
        return bad_value(option, value,
                         fmt::format("a number of seconds above 0, at most {}", kMaxPingSeconds));
    out = *v;
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Walking the words

/// The words still to read, plus the "--name=value" split of the current option.
class Words {
  public:
    explicit Words(std::span<const std::string> w) : words_(w) {}
    bool done() const { return pos_ >= words_.size(); }
    const std::string& peek() const { return words_[pos_]; }
    const std::string& take() { return words_[pos_++]; }

  private:
    std::span<const std::string> words_;
    std::size_t pos_ = 0;
};

bool looks_like_option(std::string_view w) {
    return w.size() > 1 && w[0] == '-';
}

/// An option word split into its name and, for "--name=value" or "-cVALUE", its inline value.
struct OptionWord {
    std::string_view name;
    std::optional<std::string_view> inline_value;
};

OptionWord split_long(std::string_view w) {
    if (w.starts_with("--")) {
        auto eq = w.find('=');
        if (eq != std::string_view::npos)
            return {w.substr(0, eq), w.substr(eq + 1)};
    }
    return {w, std::nullopt};
}

/// Takes an option's value: the inline one or the next word.
std::optional<std::string_view> take_value(Words& words, const OptionWord& opt) {
    if (opt.inline_value)
        return opt.inline_value;
    if (words.done())
        return std::nullopt;
    return std::string_view{words.take()};
}

std::string missing_value(std::string_view option, std::string_view hint) {
    return fmt::format("option '{}' needs a value ({})", option, hint);
}

// ---------------------------------------------------------------------------------------------
// Global and port options

/// Which once-per-port options a port has seen.
struct PortSeen {
    bool mac = false, mtu = false, loss = false, delay = false, reorder = false;
};

/// Everything the global section has read so far.
struct GlobalState {
    CliConfig cfg;
    std::vector<PortSeen> seen{PortSeen{}};
    bool vdev_given = false;
    bool pcap = false, seed = false, eal = false, lcores = false, config = false;

    GlobalState() { cfg.ports.emplace_back(); }
    PortConfig& port() { return cfg.ports.back(); }
    PortSeen& port_seen() { return seen.back(); }
};

Error once(bool& seen, std::string_view option, std::string_view scope) {
    if (seen)
        return fmt::format("option '{}' given twice{}", option, scope);
    seen = true;
    return std::nullopt;
}

std::string port_scope(const GlobalState& s) {
    return fmt::format(" for port '{}'", s.cfg.ports.back().vdev);
}

std::string_view device_name(std::string_view vdev) {
    return vdev.substr(0, vdev.find(','));
}

Error on_vdev(GlobalState& s, std::string_view v) {
    if (v.empty() || device_name(v).empty() || v.find_first_of(" \t") != std::string_view::npos)
        return bad_value("--vdev", v, "a DPDK device like net_tap0,iface=mnet0");
    if (s.vdev_given) {
        s.cfg.ports.emplace_back();
        s.seen.emplace_back();
    }
    // The first --vdev names the first port: options written before it already apply to it.
    s.vdev_given = true;
    s.port().vdev = std::string(v);
    return std::nullopt;
}

Error on_ip(GlobalState& s, std::string_view v) {
    auto p = IpPrefix::parse(v);
    if (!p)
        return bad_value("--ip", v, "ADDR/PREFIX, e.g. 10.0.0.2/24 or fd00::2/64");
    const IpAddress& a = p->address;
    bool unusable =
        a.is_v4() ? (a.v4().is_unspecified() || a.v4().is_multicast() || a.v4().is_broadcast())
                  : (a.v6().is_unspecified() || a.v6().is_multicast());
    if (unusable)
        return fmt::format("--ip {}: not a unicast address", v);
    for (const auto& have : s.port().ips)
        if (have.address == a)
            return fmt::format("--ip {}: address given twice{}", v, port_scope(s));
    s.port().ips.push_back(*p);
    return std::nullopt;
}

Error on_mac(GlobalState& s, std::string_view v) {
    if (auto e = once(s.port_seen().mac, "--mac", port_scope(s)))
        return e;
    auto m = MacAddress::parse(v);
    if (!m)
        return bad_value("--mac", v, "a MAC address like 02:00:00:00:00:02");
    if (m->is_multicast() || m->is_zero())
        return fmt::format("--mac {}: not a unicast MAC address", v);
    s.port().mac = *m;
    return std::nullopt;
}

Error on_mtu(GlobalState& s, std::string_view v) {
    if (auto e = once(s.port_seen().mtu, "--mtu", port_scope(s)))
        return e;
    std::uint16_t mtu = 0;
    if (auto e = set_unsigned<std::uint16_t>(mtu, "--mtu", v, kMinMtu, kMaxMtu))
        return e;
    s.port().mtu = mtu;
    return std::nullopt;
}

Error on_loss(GlobalState& s, std::string_view v) {
    if (auto e = once(s.port_seen().loss, "--loss", port_scope(s)))
        return e;
    return set_fraction(s.port().loss, "--loss", v);
}

Error on_reorder(GlobalState& s, std::string_view v) {
    if (auto e = once(s.port_seen().reorder, "--reorder", port_scope(s)))
        return e;
    return set_fraction(s.port().reorder, "--reorder", v);
}

Error on_delay(GlobalState& s, std::string_view v) {
    if (auto e = once(s.port_seen().delay, "--delay", port_scope(s)))
        return e;
    auto d = parse_number(v, 0.0, kMaxDelayMs);
    if (!d)
        return bad_value("--delay", v, fmt::format("milliseconds in 0..{}", kMaxDelayMs));
    s.port().delay_ms = *d;
    return std::nullopt;
}

Error on_gateway(GlobalState& s, std::string_view v) {
    auto a = IpAddress::parse(v);
    if (!a)
        return bad_value("--gateway", v, "an IPv4 or IPv6 address");
    if (a->is_v4()) {
        if (s.cfg.global.gateway_v4)
            return std::string("option '--gateway' given twice for IPv4");
        s.cfg.global.gateway_v4 = a->v4();
    } else {
        if (s.cfg.global.gateway_v6)
            return std::string("option '--gateway' given twice for IPv6");
        s.cfg.global.gateway_v6 = a->v6();
    }
    return std::nullopt;
}

Error on_pcap(GlobalState& s, std::string_view v) {
    if (auto e = once(s.pcap, "--pcap", ""))
        return e;
    if (v.empty())
        return bad_value("--pcap", v, "a file name");
    s.cfg.global.pcap_file = std::string(v);
    return std::nullopt;
}

Error on_seed(GlobalState& s, std::string_view v) {
    if (auto e = once(s.seed, "--seed", ""))
        return e;
    std::uint64_t seed = 0;
    if (auto e = set_unsigned<std::uint64_t>(seed, "--seed", v, 0,
                                             std::numeric_limits<std::uint64_t>::max()))
        return e;
    s.cfg.global.seed = seed;
    return std::nullopt;
}

Error on_lcores(GlobalState& s, std::string_view v) {
    if (auto e = once(s.lcores, "--lcores", ""))
        return e;
    return set_unsigned<std::uint32_t>(s.cfg.global.lcores, "--lcores", v, 1, kMaxLcores);
}

/// EAL words that pick lcores themselves; --lcores owns that choice.
Error check_eal_word(std::string_view w) {
    if (w == "--lcores" || w.starts_with("--lcores="))
        return std::string("use --lcores N, not --lcores inside --eal");
    if (w.starts_with("-l") && !w.starts_with("--"))
        return std::string("use --lcores N, not -l inside --eal");
    if (w.starts_with("-c") && !w.starts_with("--"))
        return std::string("use --lcores N, not -c (core mask) inside --eal");
    return std::nullopt;
}

Error on_eal(GlobalState& s, std::string_view v) {
    if (auto e = once(s.eal, "--eal", ""))
        return e;
    auto words = split_words(v);
    if (!words)
        return bad_value("--eal", v, "EAL arguments with balanced quotes");
    for (const auto& w : *words)
        if (auto e = check_eal_word(w))
            return e;
    s.cfg.global.eal_args = std::move(*words);
    return std::nullopt;
}

Error on_config(GlobalState& s, std::string_view v) {
    if (auto e = once(s.config, "--config", ""))
        return e;
    if (v.empty())
        return bad_value("--config", v, "a file name");
    s.cfg.global.config_file = std::string(v);
    return std::nullopt;
}

enum class OptionScope { Global, Port };

struct GlobalOption {
    std::string_view name;
    OptionScope scope;
    std::string_view hint; ///< what the value looks like, for "needs a value"
    Error (*apply)(GlobalState&, std::string_view);
};

constexpr GlobalOption kGlobalOptions[] = {
    {"--vdev", OptionScope::Port, "SPEC", on_vdev},
    {"--ip", OptionScope::Port, "ADDR/PREFIX", on_ip},
    {"--mac", OptionScope::Port, "MAC", on_mac},
    {"--mtu", OptionScope::Port, "N", on_mtu},
    {"--loss", OptionScope::Port, "P", on_loss},
    {"--delay", OptionScope::Port, "MS", on_delay},
    {"--reorder", OptionScope::Port, "P", on_reorder},
    {"--gateway", OptionScope::Global, "ADDR", on_gateway},
    {"--pcap", OptionScope::Global, "FILE", on_pcap},
    {"--seed", OptionScope::Global, "N", on_seed},
    {"--lcores", OptionScope::Global, "N", on_lcores},
    {"--eal", OptionScope::Global, "\"ARGS\"", on_eal},
    {"--config", OptionScope::Global, "FILE", on_config},
};

const GlobalOption* find_global_option(std::string_view name) {
    for (const auto& o : kGlobalOptions)
        if (o.name == name)
            return &o;
    return nullptr;
}

bool is_help(std::string_view w) {
    return w == "-h" || w == "--help";
}

/// After all options are read: rules that need the whole port.
Error check_ports(const GlobalState& s) {
    for (std::size_t i = 0; i < s.cfg.ports.size(); ++i) {
        const PortConfig& p = s.cfg.ports[i];
        for (std::size_t j = 0; j < i; ++j)
            if (device_name(s.cfg.ports[j].vdev) == device_name(p.vdev))
                return fmt::format("--vdev {}: device '{}' given twice", p.vdev,
                                   device_name(p.vdev));
        bool has_v6 = false;
        for (const auto& ip : p.ips)
            has_v6 = has_v6 || ip.address.is_v6();
        // RFC 8200 section 5: every link carrying IPv6 must have an MTU of 1280 or more.
        if (has_v6 && p.mtu && *p.mtu < kMinMtuV6)
            return fmt::format("--mtu {} for port '{}': IPv6 needs an MTU of at least {}", *p.mtu,
                               p.vdev, kMinMtuV6);
    }
    return std::nullopt;
}

/// What a --config file may not override (docs/config.md, precedence).
GivenOptions given_options(const GlobalState& s) {
    GivenOptions g;
    g.vdev = s.vdev_given;
    g.lcores = s.lcores;
    g.eal = s.eal;
    g.loss = s.seen.front().loss;
    g.delay = s.seen.front().delay;
    g.reorder = s.seen.front().reorder;
    return g;
}

// ---------------------------------------------------------------------------------------------
// Outcomes

ParseOutcome usage_error(std::optional<Command> cmd, std::string_view msg) {
    ParseOutcome out;
    out.kind = ParseOutcome::Kind::UsageError;
    std::string prefix(kProgramName);
    if (cmd)
        prefix += fmt::format(" {}", to_string(*cmd));
    out.message = fmt::format("{}: {} {}", prefix, msg, see_help(cmd));
    return out;
}

ParseOutcome help(std::string text) {
    ParseOutcome out;
    out.kind = ParseOutcome::Kind::Help;
    out.message = std::move(text);
    return out;
}

/// A global/port option written after the command is a common slip: say where it belongs.
std::string misplaced_or_unknown(std::string_view word) {
    if (find_global_option(split_long(word).name))
        return fmt::format("'{}' is a global/port option: write it before the command",
                           split_long(word).name);
    return fmt::format("unknown option '{}'", word);
}

// ---------------------------------------------------------------------------------------------
// Commands

ParseOutcome run_outcome(Command cmd, CliConfig cfg) {
    ParseOutcome out;
    out.kind = ParseOutcome::Kind::Run;
    cfg.command = cmd;
    out.config = std::move(cfg);
    return out;
}

/// The serve options that take a port, and which protocol's port space each one uses.
enum class ServePortOption { UdpEcho, UdpSink, Echo, Discard, Chargen, Http };

struct ServeOption {
    std::string_view name;
    ServePortOption kind;
};

constexpr ServeOption kServePortOptions[] = {
    {"--udp-echo", ServePortOption::UdpEcho}, {"--udp-sink", ServePortOption::UdpSink},
    {"--echo", ServePortOption::Echo},        {"--discard", ServePortOption::Discard},
    {"--chargen", ServePortOption::Chargen},  {"--http", ServePortOption::Http},
};

const ServeOption* find_serve_port_option(std::string_view name) {
    for (const auto& o : kServePortOptions)
        if (o.name == name)
            return &o;
    return nullptr;
}

/// The option that already claimed TCP `port`, if any (UDP ports are a separate space).
std::optional<std::string_view> tcp_port_owner(const ServeOptions& s, std::uint16_t port) {
    auto in = [port](const std::vector<std::uint16_t>& v) {
        for (auto p : v)
            if (p == port)
                return true;
        return false;
    };
    if (in(s.tcp_echo_ports))
        return "--echo";
    if (in(s.tcp_discard_ports))
        return "--discard";
    if (in(s.tcp_chargen_ports))
        return "--chargen";
    if (s.http_port == port)
        return "--http";
    return std::nullopt;
}

/// The option that already claimed UDP `port`, if any.
std::optional<std::string_view> udp_port_owner(const ServeOptions& s, std::uint16_t port) {
    for (auto p : s.udp_echo_ports)
        if (p == port)
            return "--udp-echo";
    for (auto p : s.udp_sink_ports)
        if (p == port)
            return "--udp-sink";
    return std::nullopt;
}

/// Records a UDP service port: one service per UDP port, like TCP.
Error add_udp_port(ServeOptions& s, const ServeOption& o, std::uint16_t port) {
    if (auto owner = udp_port_owner(s, port)) {
        if (*owner == o.name)
            return fmt::format("{} {} given twice", o.name, port);
        return fmt::format("UDP port {} given to both {} and {}", port, *owner, o.name);
    }
    auto& ports = o.kind == ServePortOption::UdpEcho ? s.udp_echo_ports : s.udp_sink_ports;
    ports.push_back(port);
    return std::nullopt;
}

/// Records one serve port option; a port may serve one TCP service and one UDP service.
Error add_serve_port(ServeOptions& s, const ServeOption& o, std::uint16_t port) {
    if (o.kind == ServePortOption::UdpEcho || o.kind == ServePortOption::UdpSink)
        return add_udp_port(s, o, port);
    if (o.kind == ServePortOption::Http && s.http_port)
        return std::string("option '--http' given twice");
    if (auto owner = tcp_port_owner(s, port)) {
        if (*owner == o.name)
            return fmt::format("{} {} given twice", o.name, port);
        return fmt::format("TCP port {} given to both {} and {}", port, *owner, o.name);
    }
    switch (o.kind) {
    case ServePortOption::Echo:
        s.tcp_echo_ports.push_back(port);
        break;
    case ServePortOption::Discard:
        s.tcp_discard_ports.push_back(port);
        break;
    case ServePortOption::Chargen:
        s.tcp_chargen_ports.push_back(port);
        break;
    case ServePortOption::Http:
        s.http_port = port;
        break;
    case ServePortOption::UdpEcho:
    case ServePortOption::UdpSink:
        break;
    }
    return std::nullopt;
}

/// `--root DIR`: only the word is checked here; serve checks that DIR is a directory.
Error set_http_root(ServeOptions& s, std::string_view v) {
    if (s.http_root)
        return std::string("option '--root' given twice");
    if (v.empty())
        return bad_value("--root", v, "a directory");
    s.http_root = std::string(v);
    return std::nullopt;
}

/// One serve option word (and its value).
Error apply_serve_word(ServeOptions& s, Words& words, const std::string& w) {
    OptionWord opt = split_long(w);
    if (opt.name == "--root") {
        auto v = take_value(words, opt);
        if (!v)
            return missing_value(opt.name, "DIR");
        return set_http_root(s, *v);
    }
    const ServeOption* o = find_serve_port_option(opt.name);
    if (!o) {
        if (looks_like_option(w))
            return misplaced_or_unknown(w);
        return fmt::format("unexpected argument '{}'", w);
    }
    auto v = take_value(words, opt);
    if (!v)
        return missing_value(opt.name, "PORT");
    std::uint16_t port = 0;
    if (auto e = set_unsigned<std::uint16_t>(port, o->name, *v, 1, 65535))
        return e;
    return add_serve_port(s, *o, port);
}

ParseOutcome parse_serve(Words& words, CliConfig cfg) {
    constexpr auto cmd = Command::Serve;
    while (!words.done()) {
        const std::string& w = words.take();
        if (is_help(w))
            return help(command_help(cmd));
        if (auto e = apply_serve_word(cfg.serve, words, w))
            return usage_error(cmd, *e);
    }
    if (cfg.serve.http_port && !cfg.serve.http_root)
        return usage_error(cmd, "--http needs --root DIR (the directory to serve)");
    if (cfg.serve.http_root && !cfg.serve.http_port)
        return usage_error(cmd, "--root is only meaningful with --http PORT");
    return run_outcome(cmd, std::move(cfg));
}

/// One ping option with its value ("-c" "3" or "-c3").
Error apply_ping_option(PingOptions& p, char name, std::string_view v) {
    switch (name) {
    case 'c': {
        std::uint32_t n = 0;
        if (auto e = set_unsigned<std::uint32_t>(n, "-c", v, 1,
                                                 std::numeric_limits<std::uint32_t>::max()))
            return e;
        p.count = n;
        return std::nullopt;
    }
    case 's':
        return set_unsigned<std::uint32_t>(p.size, "-s", v, 0, kMaxPingSizeV6);
    case 'i':
        return set_seconds(p.interval_s, "-i", v);
    case 't':
        return set_unsigned<std::uint8_t>(p.ttl, "-t", v, 1, 255);
    case 'W':
        return set_seconds(p.wait_s, "-W", v);
    }
    return fmt::format("unknown option '-{}'", name);
}

constexpr std::string_view kPingValueOptions = "csitW";

Error check_ping_destination(PingOptions& p) {
    auto a = IpAddress::parse(p.destination_text);
    if (!a)
        return fmt::format("'{}' is not a numeric IPv4 or IPv6 address", p.destination_text);
    p.destination = *a;
    std::uint32_t max = a->is_v4() ? kMaxPingSizeV4 : kMaxPingSizeV6;
    if (p.size > max)
        return bad_value("-s", std::to_string(p.size), fmt::format("0..{} for this address", max));
    return std::nullopt;
}

ParseOutcome parse_ping(Words& words, CliConfig cfg) {
    constexpr auto cmd = Command::Ping;
    std::vector<std::string_view> positional;
    bool options_ended = false;
    while (!words.done()) {
        const std::string& w = words.take();
        if (options_ended || !looks_like_option(w)) {
            positional.push_back(w);
            continue;
        }
        if (w == "--") {
            options_ended = true;
            continue;
        }
        if (is_help(w))
            return help(command_help(cmd));
        if (w.size() < 2 || w[1] == '-' || kPingValueOptions.find(w[1]) == std::string_view::npos)
            return usage_error(cmd, misplaced_or_unknown(w));
        std::string_view name = std::string_view(w).substr(0, 2);
        OptionWord opt{name, std::nullopt};
        if (w.size() > 2)
            opt.inline_value = std::string_view(w).substr(2);
        auto v = take_value(words, opt);
        if (!v)
            return usage_error(cmd, missing_value(name, "see the usage"));
        if (auto e = apply_ping_option(cfg.ping, w[1], *v))
            return usage_error(cmd, *e);
    }
    if (positional.empty())
        return usage_error(cmd, "missing destination address");
    if (positional.size() > 1)
        return usage_error(cmd, fmt::format("unexpected argument '{}'", positional[1]));
    cfg.ping.destination_text = std::string(positional[0]);
    if (auto e = check_ping_destination(cfg.ping))
        return usage_error(cmd, *e);
    ParseOutcome out;
    out.kind = ParseOutcome::Kind::Run;
    cfg.command = cmd;
    out.config = std::move(cfg);
    return out;
}

ParseOutcome parse_demo(Words& words, CliConfig cfg) {
    constexpr auto cmd = Command::Demo;
    while (!words.done()) {
        const std::string& w = words.take();
        if (is_help(w))
            return help(command_help(cmd));
        if (looks_like_option(w))
            return usage_error(cmd, misplaced_or_unknown(w));
        return usage_error(cmd, fmt::format("unexpected argument '{}'", w));
    }
    ParseOutcome out;
    out.kind = ParseOutcome::Kind::Run;
    cfg.command = cmd;
    out.config = std::move(cfg);
    return out;
}

/// `-o FILE` or `-oFILE` (given once).
Error set_get_output(GetOptions& g, Words& words, const std::string& w) {
    OptionWord opt{"-o", std::nullopt};
    if (w.size() > 2)
        opt.inline_value = std::string_view(w).substr(2);
    auto v = take_value(words, opt);
    if (!v)
        return missing_value("-o", "FILE");
    if (g.output)
        return std::string("option '-o' given twice");
    if (v->empty())
        return bad_value("-o", *v, "a file name");
    g.output = std::string(*v);
    return std::nullopt;
}

/// `-P N`, `-PN`, `--parallel N` or `--parallel=N` (given once).
Error set_get_parallel(GetOptions& g, Words& words, const std::string& w, bool& seen) {
    OptionWord opt = split_long(w);
    if (!w.starts_with("--") && w.size() > 2)
        opt = {std::string_view(w).substr(0, 2), std::string_view(w).substr(2)};
    auto v = take_value(words, opt);
    if (!v)
        return missing_value(opt.name, "N");
    if (auto e = once(seen, "--parallel", ""))
        return e;
    return set_unsigned<std::uint32_t>(g.parallel, opt.name, *v, 1, kMaxGetParallel);
}

bool is_get_parallel(std::string_view w) {
    return w.starts_with("-P") || split_long(w).name == "--parallel";
}

/// One get option word (and its value).
Error apply_get_option(GetOptions& g, Words& words, const std::string& w, bool& parallel_seen) {
    if (w.starts_with("-o"))
        return set_get_output(g, words, w);
    if (is_get_parallel(w))
        return set_get_parallel(g, words, w, parallel_seen);
    return misplaced_or_unknown(w);
}

/// The URL's shape only (scheme and a host); get.cpp parses host, port and path.
Error check_get_url(std::string_view url) {
    constexpr std::string_view kScheme = "http://";
    if (url.size() < kScheme.size() || url.substr(0, kScheme.size()) != kScheme) {
        if (url.starts_with("https://"))
            return fmt::format("'{}': https is not supported (no TLS): use http://", url);
        return fmt::format("'{}' is not an http:// URL", url);
    }
    if (url.size() == kScheme.size() || url[kScheme.size()] == '/')
        return fmt::format("'{}' has no host", url);
    return std::nullopt;
}

/// The words of a command that takes operands: options go to `apply` (which returns a usage
/// error or nothing), other words — and every word after `--` — to `positional`. Returns the
/// outcome to stop with (help, usage error), or nothing when all words were taken.
template <class Apply>
std::optional<ParseOutcome>
collect_words(Words& words, Command cmd, std::vector<std::string_view>& positional, Apply&& apply) {
    bool options_ended = false;
    while (!words.done()) {
        const std::string& w = words.take();
        if (options_ended || !looks_like_option(w)) {
            positional.push_back(w);
            continue;
        }
        if (w == "--") {
            options_ended = true;
            continue;
        }
        if (is_help(w))
            return help(command_help(cmd));
        if (auto e = apply(w))
            return usage_error(cmd, *e);
    }
    return std::nullopt;
}

ParseOutcome parse_get(Words& words, CliConfig cfg) {
    constexpr auto cmd = Command::Get;
    std::vector<std::string_view> positional;
    bool parallel_seen = false;
    if (auto stop = collect_words(words, cmd, positional, [&](const std::string& w) {
            return apply_get_option(cfg.get, words, w, parallel_seen);
        }))
        return *stop;
    if (positional.empty())
        return usage_error(cmd, "missing URL");
    if (positional.size() > 1)
        return usage_error(cmd, fmt::format("unexpected argument '{}'", positional[1]));
    if (auto e = check_get_url(positional[0]))
        return usage_error(cmd, *e);
    cfg.get.url = std::string(positional[0]);
    return run_outcome(cmd, std::move(cfg));
}

/// One simulate option word (and its value): --seed N, --out DIR, --duration S (once each),
/// --no-plots (a flag: it takes no value, so it must not consume the next word).
Error apply_simulate_option(SimulateOptions& o, Words& words, const std::string& w) {
    OptionWord opt = split_long(w);
    if (opt.name == "--no-plots") {
        if (opt.inline_value)
            return fmt::format("option '--no-plots' takes no value (got '{}')", w);
        if (!o.plots)
            return std::string("option '--no-plots' given twice");
        o.plots = false;
        return std::nullopt;
    }
    auto v = take_value(words, opt);
    if (opt.name == "--seed") {
        if (!v)
            return missing_value("--seed", "N");
        if (o.seed)
            return std::string("option '--seed' given twice");
        std::uint64_t seed = 0;
        if (auto e = set_unsigned<std::uint64_t>(seed, "--seed", *v, 0, UINT64_MAX))
            return e;
        o.seed = seed;
        return std::nullopt;
    }
    if (opt.name == "--out") {
        if (!v)
            return missing_value("--out", "DIR");
        if (o.out_dir)
            return std::string("option '--out' given twice");
        if (v->empty())
            return bad_value("--out", *v, "a directory");
        o.out_dir = std::string(*v);
        return std::nullopt;
    }
    if (opt.name == "--duration") {
        if (!v)
            return missing_value("--duration", "S");
        if (o.duration_s)
            return std::string("option '--duration' given twice");
        auto d = parse_number(*v, 0.0, kMaxSimulateSeconds, true);
        if (!d)
            return bad_value("--duration", *v,
                             fmt::format("seconds above 0, at most {}", kMaxSimulateSeconds));
        o.duration_s = *d;
        return std::nullopt;
    }
    return misplaced_or_unknown(w);
}

ParseOutcome parse_simulate(Words& words, CliConfig cfg) {
    constexpr auto cmd = Command::Simulate;
    std::vector<std::string_view> positional;
    if (auto stop = collect_words(words, cmd, positional, [&](const std::string& w) {
            return apply_simulate_option(cfg.simulate, words, w);
        }))
        return *stop;
    if (positional.empty())
        return usage_error(
            cmd, "missing SCENARIO (a .toml file, e.g. examples/scenarios/p2p_ping.toml)");
    if (positional.size() > 1)
        return usage_error(cmd, fmt::format("unexpected argument '{}'", positional[1]));
    cfg.simulate.scenario = std::string(positional[0]);
    if (!cfg.simulate.seed)
        cfg.simulate.seed = cfg.global.seed; // a global --seed works too
    return run_outcome(cmd, std::move(cfg));
}

/// One load option word and its value: -c/--connections N, -d/--duration S, -n/--requests N
/// ("-c 50", "-c50", "--connections 50", "--connections=50"), once each.
Error apply_load_option(LoadOptions& o, Words& words, const std::string& w, bool& c_seen) {
    OptionWord opt = split_long(w);
    if (!w.starts_with("--") && w.size() > 2)
        opt = {std::string_view(w).substr(0, 2), std::string_view(w).substr(2)};
    const std::string_view n = opt.name;
    const bool conns = n == "-c" || n == "--connections";
    const bool secs = n == "-d" || n == "--duration";
    const bool reqs = n == "-n" || n == "--requests";
    if (!conns && !secs && !reqs)
        return misplaced_or_unknown(w);
    auto v = take_value(words, opt);
    if (!v)
        return missing_value(n, conns || reqs ? "N" : "SECONDS");
    if (conns) {
        if (auto e = once(c_seen, "--connections", ""))
            return e;
        return set_unsigned<std::uint32_t>(o.connections, n, *v, 1, kMaxLoadConnections);
    }
    if (secs) {
        if (o.duration_s)
            return std::string("option '--duration' given twice");
        auto d = parse_number(*v, 0.0, kMaxLoadSeconds, true);
        if (!d)
            return bad_value(n, *v, fmt::format("seconds above 0, at most {}", kMaxLoadSeconds));
        o.duration_s = *d;
        return std::nullopt;
    }
    if (o.requests)
        return std::string("option '--requests' given twice");
    std::uint64_t r = 0;
    if (auto e =
            set_unsigned<std::uint64_t>(r, n, *v, 1, std::numeric_limits<std::uint64_t>::max()))
        return e;
    o.requests = r;
    return std::nullopt;
}

ParseOutcome parse_load(Words& words, CliConfig cfg) {
    constexpr auto cmd = Command::Load;
    std::vector<std::string_view> positional;
    bool c_seen = false;
    if (auto stop = collect_words(words, cmd, positional, [&](const std::string& w) {
            return apply_load_option(cfg.load, words, w, c_seen);
        }))
        return *stop;
    if (positional.empty())
        return usage_error(cmd, "missing URL");
    if (positional.size() > 1)
        return usage_error(cmd, fmt::format("unexpected argument '{}'", positional[1]));
    if (auto e = check_get_url(positional[0]))
        return usage_error(cmd, *e);
    cfg.load.url = std::string(positional[0]);
    return run_outcome(cmd, std::move(cfg));
}

std::optional<Command> find_command(std::string_view name) {
    for (auto c : {Command::Serve, Command::Ping, Command::Demo, Command::Get, Command::Simulate,
                   Command::Load})
        if (to_string(c) == name)
            return c;
    return std::nullopt;
}

/// `help [COMMAND]`
ParseOutcome parse_help_command(Words& words) {
    if (words.done())
        return help(top_level_help());
    const std::string& w = words.take();
    auto c = find_command(w);
    if (!c)
        return usage_error(std::nullopt, fmt::format("unknown command '{}'", w));
    if (!words.done())
        return usage_error(std::nullopt, fmt::format("unexpected argument '{}'", words.peek()));
    return help(command_help(*c));
}

/// Reads one global/port option word (and its value) into `s`.
Error apply_global_word(GlobalState& s, Words& words, const std::string& w) {
    OptionWord opt = split_long(w);
    const GlobalOption* o = find_global_option(opt.name);
    if (!o)
        return fmt::format("unknown option '{}'", w);
    auto v = take_value(words, opt);
    if (!v)
        return missing_value(o->name, o->hint);
    return o->apply(s, *v);
}

} // namespace

ParseOutcome parse_cli_args(std::span<const std::string> args) {
    Words words(args);
    GlobalState s;
    while (!words.done() && looks_like_option(words.peek())) {
        const std::string& w = words.take();
        if (is_help(w))
            return help(top_level_help());
        if (auto e = apply_global_word(s, words, w))
            return usage_error(std::nullopt, *e);
    }
    if (words.done())
        return usage_error(std::nullopt, "missing command");
    if (auto e = check_ports(s))
        return usage_error(std::nullopt, *e);
    s.cfg.given = given_options(s);
    const std::string& name = words.take();
    if (name == "help")
        return parse_help_command(words);
    auto cmd = find_command(name);
    if (!cmd)
        return usage_error(std::nullopt, fmt::format("unknown command '{}'", name));
    switch (*cmd) {
    case Command::Serve:
        return parse_serve(words, std::move(s.cfg));
    case Command::Ping:
        return parse_ping(words, std::move(s.cfg));
    case Command::Demo:
        return parse_demo(words, std::move(s.cfg));
    case Command::Get:
        return parse_get(words, std::move(s.cfg));
    case Command::Simulate:
        return parse_simulate(words, std::move(s.cfg));
    case Command::Load:
        return parse_load(words, std::move(s.cfg));
    }
    return usage_error(std::nullopt, "unknown command");
}

ParseOutcome parse_cli(int argc, const char* const* argv) {
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i)
        args.emplace_back(argv[i]);
    ParseOutcome out = parse_cli_args(args);
    if (out.ok() && out.config.global.config_file) {
        // The one I/O step of parsing: a bad file is a usage error (exit 2) like a bad option.
        if (auto e = load_config_file(out.config)) {
            out.kind = ParseOutcome::Kind::UsageError;
            out.message = fmt::format("{}: --config: {}", kProgramName, *e);
        }
    }
    return out;
}

std::optional<std::vector<std::string>> split_words(std::string_view text) {
    // One splitting rule for --eal and a configuration file's `eal` key.
    return config::eal_words(text);
}

} // namespace multios::net::cli
