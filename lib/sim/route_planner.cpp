#include "sim/route_planner.hpp"

#include <algorithm>
#include <deque>
#include <optional>

#include <fmt/format.h>

#include "ip/routing_table.hpp"

namespace multios::net::sim {

namespace {

/// One end of a link: a node and the name of its interface there.
struct Port {
    std::size_t node = 0;
    std::string ifname;
};

/// The scenario's graph: node indices by name, and both ends of every link.
class Topology {
  public:
    explicit Topology(const ScenarioFile& sc) : sc_(sc) {
        for (std::size_t i = 0; i < sc.nodes.size(); ++i)
            index_.push_back(sc.nodes[i].name);
        for (const LinkSpec& l : sc.links)
            links_.push_back(
                {Port{node_index(l.a.node), l.a.ifname}, Port{node_index(l.b.node), l.b.ifname}});
    }

    std::size_t node_index(const std::string& name) const {
        return static_cast<std::size_t>(std::find(index_.begin(), index_.end(), name) -
                                        index_.begin());
    }
    std::size_t size() const { return index_.size(); }
    const NodeSpec& node(std::size_t i) const { return sc_.nodes[i]; }

    /// The prefixes configured on `p`'s interface.
    const std::vector<IpPrefix>& prefixes(const Port& p) const {
        for (const auto& ia : sc_.nodes[p.node].addresses)
            if (ia.ifname == p.ifname)
                return ia.prefixes;
        return none_;
    }

    /// The far end of every link that has `node` at one end, in file order.
    template <typename Fn>
    void for_each_neighbor(std::size_t node, Fn&& fn) const {
        for (const auto& [a, b] : links_) {
            if (a.node == node)
                fn(a, b);
            if (b.node == node)
                fn(b, a);
        }
    }

    /// True when an address of `node` is `a`.
    bool owns(std::size_t node, const IpAddress& a) const {
        for (const auto& ia : sc_.nodes[node].addresses)
            for (const auto& p : ia.prefixes)
                if (p.address == a)
                    return true;
        return false;
    }

  private:
    const ScenarioFile& sc_;
    std::vector<std::string> index_;
    std::vector<std::pair<Port, Port>> links_;
    std::vector<IpPrefix> none_;
};

/// An address of `near`'s interface that `far`'s interface holds a prefix for (in `v4`'s
/// family): what `far` can use as its next hop towards `near`.
std::optional<IpAddress> on_link_address(const Topology& t, const Port& near, const Port& far,
                                         bool v4) {
    for (const auto& mine : t.prefixes(near)) {
        if (mine.address.is_v4() != v4)
            continue;
        for (const auto& theirs : t.prefixes(far))
            if (theirs.address.is_v4() == v4 && theirs.contains(mine.address))
                return mine.address;
    }
    return std::nullopt;
}

/// Every distinct subnet of one family, in file order.
std::vector<IpPrefix> subnets(const ScenarioFile& sc, bool v4) {
    std::vector<IpPrefix> out;
    for (const auto& n : sc.nodes)
        for (const auto& ia : n.addresses)
            for (const auto& p : ia.prefixes) {
                const IpPrefix s = canonical_prefix(p);
                if (p.address.is_v4() == v4 && std::find(out.begin(), out.end(), s) == out.end())
                    out.push_back(s);
            }
    return out;
}

bool attached(const NodeSpec& n, const IpPrefix& subnet) {
    for (const auto& ia : n.addresses)
        for (const auto& p : ia.prefixes)
            if (canonical_prefix(p) == subnet)
                return true;
    return false;
}

bool lists_routes(const NodeSpec& n, bool v4) {
    return std::any_of(n.routes.begin(), n.routes.end(),
                       [&](const RouteSpec& r) { return r.to.address.is_v4() == v4; });
}

/// Breadth-first from the nodes attached to `subnet`, expanding only through routers: each
/// reached node's next hop towards it (nullopt: attached or unreachable).
std::vector<std::optional<IpAddress>> next_hops_to(const Topology& t, const IpPrefix& subnet) {
    const bool v4 = subnet.address.is_v4();
    std::vector<std::optional<IpAddress>> via(t.size());
    std::vector<bool> seen(t.size(), false);
    std::deque<std::size_t> queue;
    for (std::size_t i = 0; i < t.size(); ++i)
        if (attached(t.node(i), subnet)) {
            seen[i] = true;
            queue.push_back(i);
        }
    while (!queue.empty()) {
        const std::size_t m = queue.front();
        queue.pop_front();
        if (!t.node(m).router)
            continue; // A host delivers to its own subnets but forwards nothing.
        t.for_each_neighbor(m, [&](const Port& mine, const Port& far) {
            if (seen[far.node])
                return;
            if (const auto a = on_link_address(t, mine, far, v4)) {
                seen[far.node] = true;
                via[far.node] = a;
                queue.push_back(far.node);
            }
        });
    }
    return via;
}

/// The route `node` uses for `dst` (longest prefix; a connected subnet wins a tie), as the
/// prefix length and the next hop (nullopt: on-link). No match: nullopt.
struct Choice {
    unsigned length = 0;
    std::optional<IpAddress> via;
};

std::optional<Choice> choose(const NodeSpec& node, const IpAddress& dst) {
    std::optional<Choice> best;
    for (const auto& ia : node.addresses)
        for (const auto& p : ia.prefixes)
            if (p.address.is_v4() == dst.is_v4() && p.contains(dst) &&
                (!best || p.length > best->length))
                best = Choice{p.length, std::nullopt};
    for (const auto& r : node.routes)
        if (r.to.address.is_v4() == dst.is_v4() && r.to.contains(dst) &&
            (!best || r.to.length > best->length))
            best = Choice{r.to.length, r.via};
    return best;
}

/// The neighbor of `node` over a link that owns `a`, if any.
std::optional<std::size_t> neighbor_owning(const Topology& t, std::size_t node,
                                           const IpAddress& a) {
    std::optional<std::size_t> found;
    t.for_each_neighbor(node, [&](const Port&, const Port& far) {
        if (!found && t.owns(far.node, a))
            found = far.node;
    });
    return found;
}

} // namespace

void plan_routes(ScenarioFile& sc) {
    const Topology t(sc);
    std::vector<std::vector<RouteSpec>> planned(sc.nodes.size());
    for (const bool v4 : {true, false}) {
        for (const IpPrefix& subnet : subnets(sc, v4)) {
            const auto via = next_hops_to(t, subnet);
            for (std::size_t i = 0; i < sc.nodes.size(); ++i)
                if (via[i] && !lists_routes(sc.nodes[i], v4))
                    planned[i].push_back(RouteSpec{subnet, *via[i], true});
        }
    }
    for (std::size_t i = 0; i < sc.nodes.size(); ++i)
        for (auto& r : planned[i])
            sc.nodes[i].routes.push_back(std::move(r));
}

std::optional<IpAddress> source_address(const ScenarioFile& sc, const std::string& from,
                                        const IpAddress& dst) {
    const Topology t(sc);
    const std::size_t n = t.node_index(from);
    if (n >= t.size())
        return std::nullopt;
    const auto c = choose(t.node(n), dst);
    if (!c)
        return std::nullopt;
    const IpAddress hop = c->via ? *c->via : dst;
    for (const auto& ia : t.node(n).addresses)
        for (const auto& p : ia.prefixes)
            if (p.address.is_v4() == hop.is_v4() && p.contains(hop))
                return p.address;
    return std::nullopt;
}

std::variant<std::vector<std::string>, std::string>
trace_route(const ScenarioFile& sc, const std::string& from, const IpAddress& dst) {
    const Topology t(sc);
    std::size_t cur = t.node_index(from);
    if (cur >= t.size())
        return fmt::format("unknown node '{}'", from);
    std::vector<std::string> path{from};
    std::vector<bool> visited(t.size(), false);
    const std::string target = dst.to_string();
    for (;;) {
        const NodeSpec& node = t.node(cur);
        if (t.owns(cur, dst))
            return path;
        if (visited[cur])
            return fmt::format("routing loop: {} is visited twice on the way to {}", node.name,
                               target);
        visited[cur] = true;
        if (path.size() > 1 && !node.router)
            return fmt::format("{} would have to forward to {}, but it is a host (kind = "
                               "\"router\" forwards)",
                               node.name, target);
        const auto c = choose(node, dst);
        if (!c)
            return fmt::format("{} has no route to {}", node.name, target);
        const IpAddress hop = c->via ? *c->via : dst;
        const auto next = neighbor_owning(t, cur, hop);
        if (!next)
            return c->via ? fmt::format("{}'s route to {} goes via {}, which no neighbor of {} has",
                                        node.name, target, hop.to_string(), node.name)
                          : fmt::format("{} is on a subnet of {}, but no node linked to {} has it",
                                        target, node.name, node.name);
        cur = *next;
        path.push_back(t.node(cur).name);
    }
}

} // namespace multios::net::sim
