// The scenario file parser (docs/simulator.md): TOML -> ScenarioFile, checked section by
// section so every error points at the line that is wrong. Order of checks: nodes (names),
// links (endpoints name known nodes; interfaces get their names), node addresses (which need
// the interfaces), then apps (which need the addresses to find their destination).
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>

#include <fmt/format.h>

#include "sim/route_planner.hpp"
#include "sim/scenario.hpp"
#include "sim/scenario_checker.hpp"
#include "sim/scenario_routes.hpp"

namespace multios::net::sim {

using scenario_detail::Checker;
using scenario_detail::Err;

std::string_view app_kind_name(AppKind k) {
    switch (k) {
    case AppKind::ping:
        return "ping";
    case AppKind::tcp_bulk:
        return "tcp_bulk";
    case AppKind::udp_cbr:
        return "udp_cbr";
    case AppKind::http:
        return "http";
    case AppKind::traceroute:
        return "traceroute";
    }
    return "?";
}

namespace {

/// Bounds that keep one scenario's memory and event count reasonable.
constexpr std::size_t kMaxNodes = 1000;
constexpr std::size_t kMaxLinks = 4000;
constexpr std::size_t kMaxApps = 4000;

/// Ping and traceroute use the ICMP echo client (an identifier per app), the others a port.
bool uses_port(AppKind k) {
    return k != AppKind::ping && k != AppKind::traceroute;
}

/// The parse in progress: the document and what is known so far.
class Parser {
  public:
    Parser(const toml::table& doc, std::string_view source) : doc_(doc), c_(source) {
        out_.source = std::string(source);
    }
    Err run();
    ScenarioFile take() { return std::move(out_); }

  private:
    Err simulation();
    Err nodes();
    Err node(const toml::table& t);
    Err links();
    Err link(const toml::table& t);
    Err link_impairments(const toml::table& t, LinkConfig& cfg);
    Err endpoint(const toml::node& n, std::string_view key, Endpoint& out);
    Err node_addresses();
    Err interface_prefixes(const toml::node& n, std::size_t node_index, std::string ifname);
    /// The listed routes (which need the addresses), then the planned ones (routing = "auto").
    Err node_routes();
    Err apps();
    Err app(const toml::table& t);
    Err app_params(const toml::table& t, AppSpec& a);
    Err http_params(const toml::table& t, AppSpec& a);
    Err app_destination(const toml::table& t, AppSpec& a);
    /// The array of tables `key`, or an error if `key` is something else; nullptr if absent.
    Err table_array(std::string_view key, const toml::array*& out);

    const toml::table& doc_;
    Checker c_;
    ScenarioFile out_;
    std::map<std::string, std::size_t, std::less<>> node_index_;
    std::vector<const toml::table*> node_tables_;
    /// Interface names per node, in link order.
    std::vector<std::vector<std::string>> ifnames_;
};

Err Parser::run() {
    if (auto e = c_.only_keys(doc_, "the scenario", {"simulation", "node", "link", "app"})) {
        return e;
    }
    for (auto step : {&Parser::simulation, &Parser::nodes, &Parser::links, &Parser::node_addresses,
                      &Parser::node_routes, &Parser::apps}) {
        if (auto e = (this->*step)()) {
            return e;
        }
    }
    return std::nullopt;
}

Err Parser::table_array(std::string_view key, const toml::array*& out) {
    out = nullptr;
    const toml::node* n = doc_.get(key);
    if (n == nullptr) {
        return std::nullopt;
    }
    out = n->as_array();
    if (out == nullptr || !out->is_array_of_tables()) {
        return c_.at(*n, key, fmt::format("expected [[{}]] tables", key));
    }
    return std::nullopt;
}

Err Parser::simulation() {
    const toml::node* n = doc_.get("simulation");
    if (n == nullptr) {
        return std::nullopt;
    }
    const toml::table* t = n->as_table();
    if (t == nullptr) {
        return c_.at(*n, "simulation", "expected a [simulation] table");
    }
    if (auto e =
            c_.only_keys(*t, "[simulation]", {"duration", "seed", "sample_interval", "routing"})) {
        return e;
    }
    if (const auto* v = t->get("routing")) {
        if (auto e = scenario_detail::read_routing_mode(c_, *v, out_.routing)) {
            return e;
        }
    }
    if (const auto* v = t->get("duration")) {
        if (auto e = c_.duration(*v, "duration", out_.duration)) {
            return e;
        }
        if (out_.duration <= Duration::zero()) {
            return c_.at(*v, "duration", "must be longer than 0");
        }
    }
    if (const auto* v = t->get("seed")) {
        std::int64_t seed = 0;
        if (auto e = c_.integer(*v, "seed", 0, INT64_MAX, seed)) {
            return e;
        }
        out_.seed = static_cast<std::uint64_t>(seed);
    }
    if (const auto* v = t->get("sample_interval")) {
        if (auto e = c_.duration(*v, "sample_interval", out_.sample_interval)) {
            return e;
        }
        if (out_.sample_interval < std::chrono::milliseconds(1)) {
            return c_.at(*v, "sample_interval", "must be at least 1ms");
        }
    }
    return std::nullopt;
}

Err Parser::nodes() {
    const toml::array* arr = nullptr;
    if (auto e = table_array("node", arr)) {
        return e;
    }
    if (arr == nullptr || arr->empty()) {
        return c_.at(doc_.source(), "the scenario has no [[node]]");
    }
    if (arr->size() > kMaxNodes) {
        return c_.at((*arr)[kMaxNodes].source(), fmt::format("more than {} nodes", kMaxNodes));
    }
    for (const auto& n : *arr) {
        if (auto e = node(*n.as_table())) {
            return e;
        }
    }
    return std::nullopt;
}

Err Parser::node(const toml::table& t) {
    if (auto e = c_.only_keys(t, "[[node]]", {"name", "kind", "addresses", "routes"})) {
        return e;
    }
    NodeSpec spec;
    const toml::node* name = t.get("name");
    if (name == nullptr) {
        return c_.at(t.source(), "[[node]] needs a name");
    }
    if (auto e = c_.string(*name, "name", spec.name)) {
        return e;
    }
    if (spec.name.find_first_of(":/ \t") != std::string::npos) {
        return c_.at(*name, "name", "a node name cannot contain ':', '/' or blanks");
    }
    if (node_index_.count(spec.name) != 0) {
        return c_.at(*name, "name", fmt::format("node '{}' is defined twice", spec.name));
    }
    std::string kind = "host";
    if (const auto* k = t.get("kind")) {
        if (auto e = c_.string(*k, "kind", kind)) {
            return e;
        }
        if (kind != "host" && kind != "router") {
            return c_.at(*k, "kind",
                         fmt::format("unknown node kind '{}' (known: host, router)", kind));
        }
        spec.router = kind == "router";
    }
    node_index_.emplace(spec.name, out_.nodes.size());
    out_.nodes.push_back(std::move(spec));
    node_tables_.push_back(&t);
    ifnames_.emplace_back();
    return std::nullopt;
}

Err Parser::links() {
    const toml::array* arr = nullptr;
    if (auto e = table_array("link", arr)) {
        return e;
    }
    if (arr == nullptr) {
        return std::nullopt;
    }
    if (arr->size() > kMaxLinks) {
        return c_.at((*arr)[kMaxLinks].source(), fmt::format("more than {} links", kMaxLinks));
    }
    for (const auto& n : *arr) {
        if (auto e = link(*n.as_table())) {
            return e;
        }
    }
    return std::nullopt;
}

Err Parser::endpoint(const toml::node& n, std::string_view key, Endpoint& out) {
    std::string text;
    if (auto e = c_.string(n, key, text)) {
        return e;
    }
    const auto colon = text.find(':');
    out.node = text.substr(0, colon);
    out.ifname = colon == std::string::npos ? std::string{} : text.substr(colon + 1);
    const auto it = node_index_.find(out.node);
    if (it == node_index_.end()) {
        return c_.at(n, key, fmt::format("unknown node '{}'", out.node));
    }
    auto& names = ifnames_[it->second];
    if (out.ifname.empty()) {
        out.ifname = fmt::format("eth{}", names.size());
    }
    for (const auto& existing : names) {
        if (existing == out.ifname) {
            return c_.at(n, key,
                         fmt::format("interface {}:{} is already used by another link", out.node,
                                     out.ifname));
        }
    }
    names.push_back(out.ifname);
    return std::nullopt;
}

Err Parser::link(const toml::table& t) {
    if (auto e = c_.only_keys(t, "[[link]]",
                              {"name", "a", "b", "rate", "delay", "jitter", "queue", "aqm", "red",
                               "loss", "loss_model", "gilbert", "reorder", "duplicate", "corrupt",
                               "mtu", "pcap", "snaplen"})) {
        return e;
    }
    LinkSpec spec;
    const toml::node* a = t.get("a");
    const toml::node* b = t.get("b");
    if (a == nullptr || b == nullptr) {
        return c_.at(t.source(), "[[link]] needs both ends: a = \"node[:ifname]\", b = ...");
    }
    if (auto e = endpoint(*a, "a", spec.a)) {
        return e;
    }
    if (auto e = endpoint(*b, "b", spec.b)) {
        return e;
    }
    if (spec.a.node == spec.b.node) {
        return c_.at(*b, "b", "a link must join two different nodes");
    }
    spec.name = fmt::format("{}-{}", spec.a.node, spec.b.node);
    if (const auto* v = t.get("name")) {
        if (auto e = c_.string(*v, "name", spec.name)) {
            return e;
        }
        if (spec.name.find_first_of(":/ \t,") != std::string::npos) {
            return c_.at(*v, "name", "a link name cannot contain ':', '/', ',' or blanks");
        }
    }
    for (const auto& other : out_.links) {
        if (other.name == spec.name) {
            return c_.at(t.source(), fmt::format("two links are named '{}': give one a "
                                                 "name = \"...\"",
                                                 spec.name));
        }
    }
    if (auto e = link_impairments(t, spec.config)) {
        return e;
    }
    if (const auto* v = t.get("pcap")) {
        if (auto e = c_.boolean(*v, "pcap", spec.pcap)) {
            return e;
        }
    }
    if (const auto* v = t.get("snaplen")) {
        std::int64_t s = 0;
        if (auto e = c_.integer(*v, "snaplen", 64, 262144, s)) {
            return e;
        }
        spec.snaplen = static_cast<std::uint32_t>(s);
    }
    out_.links.push_back(std::move(spec));
    return std::nullopt;
}

Err read_red(const Checker& c, const toml::node& n, RedConfig& red) {
    const toml::table* t = n.as_table();
    if (t == nullptr) {
        return c.at(n, "red", "expected a table such as { min = 5, max = 15, max_p = 0.1 }");
    }
    if (auto e = c.only_keys(*t, "red", {"min", "max", "max_p", "weight"})) {
        return e;
    }
    if (const auto* v = t->get("min")) {
        if (auto e = c.non_negative(*v, "min", red.min_threshold)) {
            return e;
        }
    }
    if (const auto* v = t->get("max")) {
        if (auto e = c.non_negative(*v, "max", red.max_threshold)) {
            return e;
        }
    }
    if (red.max_threshold <= red.min_threshold) {
        return c.at(n, "red", "max must be greater than min");
    }
    if (const auto* v = t->get("max_p")) {
        if (auto e = c.fraction(*v, "max_p", red.max_p)) {
            return e;
        }
    }
    if (const auto* v = t->get("weight")) {
        if (auto e = c.fraction(*v, "weight", red.weight)) {
            return e;
        }
        if (red.weight <= 0) {
            return c.at(*v, "weight", "must be greater than 0");
        }
    }
    return std::nullopt;
}

Err read_gilbert(const Checker& c, const toml::node& n, GilbertElliottConfig& ge) {
    const toml::table* t = n.as_table();
    if (t == nullptr) {
        return c.at(n, "gilbert", "expected a table such as { p = 0.01, r = 0.3 }");
    }
    if (auto e = c.only_keys(*t, "gilbert", {"p", "r", "loss_good", "loss_bad"})) {
        return e;
    }
    const std::pair<std::string_view, double*> keys[] = {{"p", &ge.p_good_to_bad},
                                                         {"r", &ge.r_bad_to_good},
                                                         {"loss_good", &ge.loss_good},
                                                         {"loss_bad", &ge.loss_bad}};
    for (const auto& [key, field] : keys) {
        if (const auto* v = t->get(key)) {
            if (auto e = c.fraction(*v, key, *field)) {
                return e;
            }
        }
    }
    if (t->get("p") == nullptr) {
        return c.at(n, "gilbert", "needs p (the per-packet Good -> Bad probability)");
    }
    return std::nullopt;
}

Err Parser::link_impairments(const toml::table& t, LinkConfig& cfg) {
    if (const auto* v = t.get("rate")) {
        if (auto e = c_.rate(*v, "rate", cfg.rate_bps)) {
            return e;
        }
    }
    for (const auto& [key, field] :
         {std::pair<std::string_view, Duration*>{"delay", &cfg.delay}, {"jitter", &cfg.jitter}}) {
        if (const auto* v = t.get(key)) {
            if (auto e = c_.duration(*v, key, *field)) {
                return e;
            }
        }
    }
    if (const auto* v = t.get("queue")) {
        std::int64_t q = 0;
        if (auto e = c_.integer(*v, "queue", 1, 1'000'000, q)) {
            return e;
        }
        cfg.queue_packets = static_cast<std::size_t>(q);
    }
    std::string aqm = "droptail";
    if (const auto* v = t.get("aqm")) {
        if (auto e = c_.string(*v, "aqm", aqm)) {
            return e;
        }
        if (aqm != "droptail" && aqm != "red") {
            return c_.at(*v, "aqm", fmt::format("unknown '{}' (known: droptail, red)", aqm));
        }
    }
    cfg.discipline = aqm == "red" ? QueueDiscipline::red : QueueDiscipline::drop_tail;
    if (const auto* v = t.get("red")) {
        if (aqm != "red") {
            return c_.at(*v, "red", "RED parameters need aqm = \"red\"");
        }
        if (auto e = read_red(c_, *v, cfg.red)) {
            return e;
        }
    }
    for (const auto& [key, field] : {std::pair<std::string_view, double*>{"loss", &cfg.loss},
                                     {"reorder", &cfg.reorder},
                                     {"duplicate", &cfg.duplicate},
                                     {"corrupt", &cfg.corrupt}}) {
        if (const auto* v = t.get(key)) {
            if (auto e = c_.fraction(*v, key, *field)) {
                return e;
            }
        }
    }
    std::string model = "bernoulli";
    if (const auto* v = t.get("loss_model")) {
        if (auto e = c_.string(*v, "loss_model", model)) {
            return e;
        }
        if (model != "bernoulli" && model != "gilbert") {
            return c_.at(*v, "loss_model",
                         fmt::format("unknown '{}' (known: bernoulli, gilbert)", model));
        }
    }
    const toml::node* ge = t.get("gilbert");
    if (model == "gilbert") {
        if (ge == nullptr) {
            return c_.at(t.source(),
                         "loss_model = \"gilbert\" needs gilbert = { p = ..., r = ... }");
        }
        GilbertElliottConfig g;
        if (auto e = read_gilbert(c_, *ge, g)) {
            return e;
        }
        cfg.burst_loss = g;
    } else if (ge != nullptr) {
        return c_.at(*ge, "gilbert", "Gilbert-Elliott parameters need loss_model = \"gilbert\"");
    }
    if (const auto* v = t.get("mtu")) {
        std::int64_t mtu = 0;
        if (auto e = c_.integer(*v, "mtu", 576, 9000, mtu)) {
            return e;
        }
        cfg.mtu = static_cast<std::uint16_t>(mtu);
    }
    return std::nullopt;
}

Err Parser::node_addresses() {
    for (std::size_t i = 0; i < out_.nodes.size(); ++i) {
        const toml::node* a = node_tables_[i]->get("addresses");
        if (a == nullptr) {
            continue;
        }
        if (ifnames_[i].empty()) {
            return c_.at(*a, "addresses",
                         fmt::format("node '{}' has addresses but no link", out_.nodes[i].name));
        }
        if (const toml::table* per_if = a->as_table()) {
            for (auto&& [ifname, v] : *per_if) {
                if (auto e = interface_prefixes(v, i, std::string(ifname.str()))) {
                    return e;
                }
            }
        } else if (auto e = interface_prefixes(*a, i, ifnames_[i].front())) {
            return e;
        }
    }
    return std::nullopt;
}

Err Parser::node_routes() {
    for (std::size_t i = 0; i < out_.nodes.size(); ++i) {
        if (const toml::node* r = node_tables_[i]->get("routes")) {
            if (auto e = scenario_detail::read_routes(c_, *r, out_.nodes[i])) {
                return e;
            }
        }
    }
    if (out_.routing == RoutingMode::automatic) {
        plan_routes(out_);
    }
    return std::nullopt;
}

bool prefixes_overlap(const IpPrefix& x, const IpPrefix& y) {
    if (x.address.is_v4() != y.address.is_v4()) {
        return false;
    }
    return x.length <= y.length ? x.contains(y.address) : y.contains(x.address);
}

Err Parser::interface_prefixes(const toml::node& n, std::size_t node_index, std::string ifname) {
    NodeSpec& node = out_.nodes[node_index];
    bool known = false;
    for (const auto& f : ifnames_[node_index]) {
        known = known || f == ifname;
    }
    if (!known) {
        return c_.at(n, "addresses",
                     fmt::format("node '{}' has no interface '{}' (its links name them)", node.name,
                                 ifname));
    }
    std::vector<const toml::node*> items;
    if (const auto* arr = n.as_array()) {
        for (const auto& item : *arr) {
            items.push_back(&item);
        }
    } else {
        items.push_back(&n);
    }
    InterfaceAddresses ia{ifname, {}};
    for (const toml::node* item : items) {
        std::string text;
        if (auto e = c_.string(*item, "addresses", text)) {
            return e;
        }
        const auto p = IpPrefix::parse(text);
        if (!p || p->length == (p->address.is_v4() ? 32 : 128)) {
            return c_.at(*item, "addresses",
                         fmt::format("'{}' is not an address with a prefix length "
                                     "(e.g. \"10.0.0.1/24\", \"fd00::1/64\")",
                                     text));
        }
        for (const auto& node2 : out_.nodes) {
            for (const auto& other_if : node2.addresses) {
                for (const auto& q : other_if.prefixes) {
                    if (q.address == p->address) {
                        return c_.at(*item, "addresses",
                                     fmt::format("{} is already an address of node '{}'",
                                                 p->address.to_string(), node2.name));
                    }
                    if (&node2 == &node && other_if.ifname != ifname && prefixes_overlap(q, *p)) {
                        return c_.at(*item, "addresses",
                                     fmt::format("{} overlaps {} on {}:{} (one subnet per "
                                                 "interface)",
                                                 p->to_string(), q.to_string(), node.name,
                                                 other_if.ifname));
                    }
                }
            }
        }
        ia.prefixes.push_back(*p);
    }
    node.addresses.push_back(std::move(ia));
    return std::nullopt;
}

Err Parser::apps() {
    const toml::array* arr = nullptr;
    if (auto e = table_array("app", arr)) {
        return e;
    }
    if (arr == nullptr) {
        return std::nullopt;
    }
    if (arr->size() > kMaxApps) {
        return c_.at((*arr)[kMaxApps].source(), fmt::format("more than {} apps", kMaxApps));
    }
    for (const auto& n : *arr) {
        if (auto e = app(*n.as_table())) {
            return e;
        }
    }
    return std::nullopt;
}

Err Parser::app(const toml::table& t) {
    AppSpec a;
    const toml::node* kind = t.get("kind");
    if (kind == nullptr) {
        return c_.at(t.source(),
                     "[[app]] needs a kind (ping, tcp_bulk, udp_cbr, http or traceroute)");
    }
    std::string k;
    if (auto e = c_.string(*kind, "kind", k)) {
        return e;
    }
    if (k == "ping") {
        a.kind = AppKind::ping;
    } else if (k == "tcp_bulk") {
        a.kind = AppKind::tcp_bulk;
    } else if (k == "udp_cbr") {
        a.kind = AppKind::udp_cbr;
    } else if (k == "http") {
        a.kind = AppKind::http;
    } else if (k == "traceroute") {
        a.kind = AppKind::traceroute;
        a.interval = std::chrono::milliseconds(100);
    } else {
        return c_.at(*kind, "kind",
                     fmt::format("unknown app kind '{}' (known: ping, tcp_bulk, udp_cbr, http, "
                                 "traceroute)",
                                 k));
    }
    Err e;
    switch (a.kind) {
    case AppKind::ping:
        e = c_.only_keys(t, "a ping [[app]]",
                         {"kind", "name", "from", "to", "to_address", "start", "stop", "count",
                          "interval", "size"});
        break;
    case AppKind::tcp_bulk:
        e = c_.only_keys(t, "a tcp_bulk [[app]]",
                         {"kind", "name", "from", "to", "to_address", "start", "stop", "bytes",
                          "congestion", "sack", "port", "app_buffer"});
        break;
    case AppKind::udp_cbr:
        e = c_.only_keys(
            t, "a udp_cbr [[app]]",
            {"kind", "name", "from", "to", "to_address", "start", "stop", "rate", "size", "port"});
        break;
    case AppKind::http:
        e = c_.only_keys(t, "an http [[app]]",
                         {"kind", "name", "from", "to", "to_address", "start", "stop",
                          "connections", "requests", "response_size", "request_path", "rate",
                          "congestion", "sack", "port"});
        break;
    case AppKind::traceroute:
        e = c_.only_keys(t, "a traceroute [[app]]",
                         {"kind", "name", "from", "to", "to_address", "start", "stop", "interval",
                          "size", "max_hops", "probes"});
        break;
    }
    if (e) {
        return e;
    }
    const std::size_t index = out_.apps.size();
    a.name = fmt::format("{}{}", k, index);
    a.port = static_cast<std::uint16_t>(5001 + index);
    if (auto e2 = app_params(t, a)) {
        return e2;
    }
    if (auto e2 = app_destination(t, a)) {
        return e2;
    }
    for (const auto& other : out_.apps) {
        if (other.name == a.name) {
            return c_.at(t.source(), fmt::format("two apps are named '{}'", a.name));
        }
        const bool same_proto = (a.kind == AppKind::udp_cbr) == (other.kind == AppKind::udp_cbr);
        if (uses_port(a.kind) && uses_port(other.kind) && same_proto && other.to == a.to &&
            other.port == a.port) {
            return c_.at(t.source(), fmt::format("apps '{}' and '{}' both use port {} on '{}'",
                                                 other.name, a.name, a.port, a.to));
        }
    }
    out_.apps.push_back(std::move(a));
    return std::nullopt;
}

Err Parser::app_params(const toml::table& t, AppSpec& a) {
    if (const auto* v = t.get("name")) {
        if (auto e = c_.string(*v, "name", a.name)) {
            return e;
        }
        if (a.name.find_first_of(", \t\"") != std::string::npos) {
            return c_.at(*v, "name", "an app name cannot contain ',', '\"' or blanks");
        }
    }
    for (const auto& [key, field] : {std::pair<std::string_view, Duration*>{"start", &a.start},
                                     {"stop", &a.stop},
                                     {"interval", &a.interval}}) {
        if (const auto* v = t.get(key)) {
            if (auto e = c_.duration(*v, key, *field)) {
                return e;
            }
        }
    }
    if (a.start >= out_.duration) {
        return c_.at(t.source(),
                     fmt::format("app '{}' starts after the end of the simulation", a.name));
    }
    if (a.stop != Duration::zero() && a.stop <= a.start) {
        return c_.at(*t.get("stop"), "stop", "must be after start");
    }
    if (a.interval < std::chrono::microseconds(1)) {
        return c_.at(*t.get("interval"), "interval", "must be at least 1us");
    }
    if (const auto* v = t.get("count")) {
        std::int64_t n = 0;
        if (auto e = c_.integer(*v, "count", 1, 1'000'000, n)) {
            return e;
        }
        a.count = static_cast<std::uint32_t>(n);
    }
    if (const auto* v = t.get("size")) {
        std::uint64_t s = 0;
        if (auto e = c_.size(*v, "size", s)) {
            return e;
        }
        const bool echo = !uses_port(a.kind);
        const std::uint64_t max = echo ? 65000 : 65507;
        if (s > max || (a.kind == AppKind::udp_cbr && s == 0)) {
            return c_.at(*v, "size", fmt::format("{} is outside {}..{}", s, echo ? 0 : 1, max));
        }
        a.size = static_cast<std::size_t>(s);
    }
    for (const auto& [key, field, max] :
         {std::tuple<std::string_view, std::uint8_t*, int>{"max_hops", &a.max_hops, 255},
          {"probes", &a.probes, 10}}) {
        if (const auto* v = t.get(key)) {
            std::int64_t n = 0;
            if (auto e = c_.integer(*v, key, 1, max, n)) {
                return e;
            }
            *field = static_cast<std::uint8_t>(n);
        }
    }
    if (const auto* v = t.get("bytes")) {
        if (auto e = c_.size(*v, "bytes", a.bytes)) {
            return e;
        }
    }
    if (const auto* v = t.get("app_buffer")) {
        std::uint64_t s = 0;
        if (auto e = c_.size(*v, "app_buffer", s)) {
            return e;
        }
        if (s < 1 || s > (16u << 20)) {
            return c_.at(*v, "app_buffer", "must be 1 byte .. 16MiB");
        }
        a.app_buffer = static_cast<std::size_t>(s);
    }
    if (const auto* v = t.get("congestion")) {
        if (auto e = c_.string(*v, "congestion", a.congestion)) {
            return e;
        }
        if (a.congestion != "newreno" && a.congestion != "cubic") {
            return c_.at(*v, "congestion",
                         fmt::format("unknown '{}' (known: newreno, cubic)", a.congestion));
        }
    }
    if (const auto* v = t.get("sack")) {
        if (auto e = c_.boolean(*v, "sack", a.sack)) {
            return e;
        }
    }
    if (const auto* v = t.get("port")) {
        std::int64_t p = 0;
        if (auto e = c_.integer(*v, "port", 1, 65535, p)) {
            return e;
        }
        a.port = static_cast<std::uint16_t>(p);
    }
    if (const auto* v = t.get("rate"); v != nullptr && a.kind == AppKind::udp_cbr) {
        if (auto e = c_.rate(*v, "rate", a.rate_bps)) {
            return e;
        }
        if (a.rate_bps == 0) {
            return c_.at(*v, "rate", "must be greater than 0");
        }
    }
    if (a.kind == AppKind::tcp_bulk && a.bytes == 0 && a.stop == Duration::zero() &&
        t.get("bytes") != nullptr) {
        return c_.at(*t.get("bytes"), "bytes", "must be greater than 0 (or leave it out)");
    }
    if (a.kind == AppKind::http) {
        return http_params(t, a);
    }
    return std::nullopt;
}

/// Bounds of the http app: a client's connections each hold a response parser (8 KiB).
constexpr std::int64_t kMaxHttpConnections = 256;
constexpr std::uint64_t kMaxResponseSize = std::uint64_t{1} << 30;
constexpr std::size_t kMaxRequestPath = 256;
constexpr double kMaxRequestRate = 1e6;

Err Parser::http_params(const toml::table& t, AppSpec& a) {
    if (const auto* v = t.get("connections")) {
        std::int64_t n = 0;
        if (auto e = c_.integer(*v, "connections", 1, kMaxHttpConnections, n)) {
            return e;
        }
        a.connections = static_cast<std::uint32_t>(n);
    }
    if (const auto* v = t.get("requests")) {
        std::int64_t n = 0;
        if (auto e = c_.integer(*v, "requests", 0, 100'000'000, n)) {
            return e;
        }
        a.requests = static_cast<std::uint64_t>(n);
    }
    if (const auto* v = t.get("response_size")) {
        if (auto e = c_.size(*v, "response_size", a.response_size)) {
            return e;
        }
        if (a.response_size > kMaxResponseSize) {
            return c_.at(*v, "response_size", "must be at most 1GiB");
        }
    }
    if (const auto* v = t.get("request_path")) {
        if (auto e = c_.string(*v, "request_path", a.request_path)) {
            return e;
        }
        // RFC 9112 3.2.1 origin-form: an absolute path; visible ASCII only, so the request
        // line stays well-formed.
        const bool visible = std::all_of(a.request_path.begin(), a.request_path.end(),
                                         [](char ch) { return ch > 0x20 && ch < 0x7f; });
        if (a.request_path.front() != '/' || !visible || a.request_path.size() > kMaxRequestPath) {
            return c_.at(*v, "request_path",
                         fmt::format("must start with '/' and hold at most {} visible ASCII "
                                     "characters (no blanks)",
                                     kMaxRequestPath));
        }
    }
    if (const auto* v = t.get("rate")) {
        if (auto e = c_.non_negative(*v, "rate", a.request_rate)) {
            return e;
        }
        if (a.request_rate <= 0 || a.request_rate > kMaxRequestRate) {
            return c_.at(*v, "rate",
                         "requests per second per connection: must be above 0 and at most "
                         "1000000 (leave it out for back-to-back requests)");
        }
    }
    return std::nullopt;
}

Err Parser::app_destination(const toml::table& t, AppSpec& a) {
    for (const auto& [key, field] :
         {std::pair<std::string_view, std::string*>{"from", &a.from}, {"to", &a.to}}) {
        const toml::node* v = t.get(key);
        if (v == nullptr) {
            return c_.at(t.source(), fmt::format("app '{}' needs {} = \"node\"", a.name, key));
        }
        if (auto e = c_.string(*v, key, *field)) {
            return e;
        }
        if (node_index_.count(*field) == 0) {
            return c_.at(*v, key, fmt::format("unknown node '{}'", *field));
        }
    }
    if (a.from == a.to) {
        return c_.at(*t.get("to"), "to", "an app needs two different nodes");
    }
    const NodeSpec& to = out_.nodes[node_index_.find(a.to)->second];
    const NodeSpec& from = out_.nodes[node_index_.find(a.from)->second];
    std::vector<IpAddress> to_addrs;
    for (const auto& ia : to.addresses) {
        for (const auto& p : ia.prefixes) {
            to_addrs.push_back(p.address);
        }
    }
    // IPv4 first: IPv6 addresses are tentative (DAD) for the first second of a run.
    std::stable_partition(to_addrs.begin(), to_addrs.end(),
                          [](const IpAddress& x) { return x.is_v4(); });
    if (const auto* v = t.get("to_address")) {
        std::string text;
        if (auto e = c_.string(*v, "to_address", text)) {
            return e;
        }
        const auto addr = IpAddress::parse(text);
        if (!addr || std::find(to_addrs.begin(), to_addrs.end(), *addr) == to_addrs.end()) {
            return c_.at(*v, "to_address",
                         fmt::format("'{}' is not an address of node '{}'", text, a.to));
        }
        a.to_address = *addr;
    } else if (to_addrs.empty()) {
        return c_.at(*t.get("to"), "to", fmt::format("node '{}' has no addresses", a.to));
    } else {
        // The first address on a subnet `from` shares (a star's hub has one per spoke).
        a.to_address = to_addrs.front();
        for (auto it = to_addrs.rbegin(); it != to_addrs.rend(); ++it) {
            for (const auto& ia : from.addresses) {
                for (const auto& p : ia.prefixes) {
                    if (p.contains(*it)) {
                        a.to_address = *it;
                    }
                }
            }
        }
    }
    // The datagrams must get there with the routes the nodes have (and back: the reply is
    // checked too, since routes need not be symmetric). A traceroute is how one finds where
    // a path ends, so it may aim at what cannot be reached.
    if (a.kind == AppKind::traceroute) {
        return std::nullopt;
    }
    const auto there = trace_route(out_, a.from, a.to_address);
    if (const auto* why = std::get_if<std::string>(&there)) {
        return c_.at(*t.get("to"), "to",
                     fmt::format("{} cannot reach {}: {}", a.from, a.to_address.to_string(), *why));
    }
    if (const auto src = source_address(out_, a.from, a.to_address)) {
        const auto back = trace_route(out_, a.to, *src);
        if (const auto* why = std::get_if<std::string>(&back)) {
            return c_.at(
                *t.get("to"), "to",
                fmt::format("{} cannot answer {} at {}: {}", a.to, a.from, src->to_string(), *why));
        }
    }
    return std::nullopt;
}

} // namespace

std::variant<ScenarioFile, ScenarioError> parse_scenario(std::string_view text,
                                                         std::string_view source) {
    toml::table doc;
    try {
        doc = toml::parse(text, source);
    } catch (const toml::parse_error& e) {
        const auto& where = e.source().begin;
        // toml++ descriptions are one line; keep ours one line even if that changes.
        std::string what(e.description());
        std::replace(what.begin(), what.end(), '\n', ' ');
        return ScenarioError{fmt::format("{}:{}:{}: {}", source, where.line, where.column, what)};
    }
    Parser p(doc, source);
    if (auto e = p.run()) {
        return *e;
    }
    return p.take();
}

std::variant<ScenarioFile, ScenarioError> load_scenario(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return ScenarioError{
            fmt::format("{}: cannot read the scenario: {}", path, std::strerror(errno))};
    }
    std::ostringstream text;
    text << in.rdbuf();
    return parse_scenario(text.str(), path);
}

} // namespace multios::net::sim
