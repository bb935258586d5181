#include "sim/network.hpp"

#include "impair/prng.hpp"

namespace multios::net::sim {

namespace {
// Seed streams: links and nodes draw from disjoint ranges of derive_seed's stream number.
constexpr std::uint64_t kLinkStreams = 0;
constexpr std::uint64_t kNodeStreams = std::uint64_t{1} << 32;
} // namespace

Network::Network(std::uint64_t seed, std::size_t frame_pool_capacity)
    : seed_(seed), pool_(frame_pool_capacity) {}

NodeId Network::add_node(StackConfig config) {
    const auto id = static_cast<NodeId>(nodes_.size());
    if (config.seed == 0) {
        config.seed = prng::derive_seed(seed_, kNodeStreams + id);
    }
    nodes_.push_back(std::make_unique<Node>(scheduler_, pool_, config));
    return id;
}

Result<DuplexLink> Network::connect(NodeId a, const InterfaceConfig& a_if, NodeId b,
                                    const InterfaceConfig& b_if, const LinkConfig& ab,
                                    const LinkConfig& ba) {
    DuplexLink d;
    d.a_to_b = static_cast<LinkId>(links_.size());
    d.b_to_a = d.a_to_b + 1;
    // Links first: add_interface may already send (gratuitous ARP, DAD), and those frames
    // must find their link. They are only delivered by events, after the receivers attach.
    // The links are kept even if an interface fails: events may already point at them.
    links_.push_back(std::make_unique<Link>(scheduler_, pool_, ab,
                                            prng::derive_seed(seed_, kLinkStreams + d.a_to_b)));
    links_.push_back(std::make_unique<Link>(scheduler_, pool_, ba,
                                            prng::derive_seed(seed_, kLinkStreams + d.b_to_a)));
    Link& forward = *links_[d.a_to_b];
    Link& backward = *links_[d.b_to_a];
    auto ia = nodes_[a]->add_interface(a_if, &forward);
    if (!ia) {
        return fail(ia.error());
    }
    auto ib = nodes_[b]->add_interface(b_if, &backward);
    if (!ib) {
        // a's new interface stays, without a link: what it sends is counted and dropped.
        nodes_[a]->detach_output(*ia);
        return fail(ib.error());
    }
    d.a_if = *ia;
    d.b_if = *ib;
    forward.attach(*nodes_[b], d.b_if);
    backward.attach(*nodes_[a], d.a_if);
    for (const LinkId l : {d.a_to_b, d.b_to_a}) {
        links_[l]->set_delivery_observer([this, l](Instant t, std::span<const std::byte> f) {
            if (delivery_observer_) {
                delivery_observer_(l, t, f);
            }
        });
    }
    return d;
}

void Network::set_delivery_observer(
    std::function<void(LinkId, Instant, std::span<const std::byte>)> fn) {
    delivery_observer_ = std::move(fn);
}

void Network::run_until(Instant t) {
    for (auto& n : nodes_) {
        n->rearm();
    }
    scheduler_.run_until(t);
}

} // namespace multios::net::sim
