#include "sim/scenario_apps.hpp"

#include <algorithm>
#include <utility>

#include "sim/scenario_app_kinds.hpp"

namespace multios::net::sim {

ScenarioApp::ScenarioApp(Network& net, const AppSpec& spec, NodeId from, NodeId to, Instant origin)
    : net_(net), spec_(spec), from_(from), to_(to), origin_(origin) {
    net.scheduler().schedule(origin + spec.start, *this, kStart);
    if (spec.stop != Duration::zero()) {
        net.scheduler().schedule(origin + spec.stop, *this, kStop);
    }
}

void ScenarioApp::on_event(Instant now, std::uint64_t tag) {
    switch (tag) {
    case kStart:
        start(now);
        break;
    case kStop:
        stopped_ = true;
        stop(now);
        break;
    default:
        if (!stopped_) {
            tick(now);
        }
        break;
    }
    // The app drove the stacks from outside a node event: they may have armed new timers.
    net_.node(from_).rearm();
    net_.node(to_).rearm();
}

Duration ScenarioApp::active_time(Instant end) const {
    Instant until = end;
    if (spec_.stop != Duration::zero()) {
        until = std::min(until, origin_ + spec_.stop);
    }
    return std::max(until - (origin_ + spec_.start), Duration::zero());
}

FlowSummary ScenarioApp::base_summary() const {
    FlowSummary s;
    s.name = spec_.name;
    s.kind = spec_.kind;
    s.from = spec_.from;
    s.to = spec_.to;
    return s;
}

void ScenarioApp::attach(AppHub& from_hub, AppHub& to_hub) {
    from_hub_ = &from_hub;
    to_hub_ = &to_hub;
    from_hub.add(*this);
    to_hub.add(*this);
    on_attach();
}

void AppHub::add(ScenarioApp& app) {
    index_.emplace(&app, static_cast<std::uint32_t>(apps_.size()));
    apps_.push_back(&app);
    marked_.push_back(0);
}

std::uint32_t AppHub::index_of(const ScenarioApp& app) const {
    return index_.at(&app);
}

void AppHub::watch_tcp(TcpConnId c, ScenarioApp& app) {
    tcp_[c] = index_of(app);
}

void AppHub::unwatch_tcp(TcpConnId c) {
    tcp_.erase(c);
}

void AppHub::watch_listener(TcpListenerId l, ScenarioApp& app) {
    listeners_[l] = index_of(app);
}

void AppHub::watch_udp(UdpSocketId s, ScenarioApp& app) {
    udp_[s] = index_of(app);
}

std::uint16_t AppHub::watch_ping(ScenarioApp& app) {
    // Identifiers from "QS" up, one per pinging app of this node: the first app's packets
    // look as they did when a node had one ping app.
    const auto id = static_cast<std::uint16_t>(kFirstEchoId + pings_.size());
    pings_[id].app = index_of(app);
    return id;
}

AppHub::PingMail AppHub::take_ping(std::uint16_t id) {
    const auto it = pings_.find(id);
    return it == pings_.end() ? PingMail{} : std::exchange(it->second.mail, PingMail{});
}

void AppHub::sort_ping_mail(StackCore& s) {
    for (PingReply& r : s.ping_take_replies()) {
        if (const auto it = pings_.find(r.id); it != pings_.end()) {
            it->second.mail.replies.push_back(std::move(r));
            mark(it->second.app);
        }
    }
    for (PingError& e : s.ping_take_errors()) {
        if (const auto it = pings_.find(e.id); it != pings_.end()) {
            it->second.mail.errors.push_back(std::move(e));
            mark(it->second.app);
        }
    }
}

void AppHub::mark(std::uint32_t index) {
    if (marked_[index] == 0) {
        marked_[index] = 1;
        due_.push_back(index);
    }
}

void AppHub::on_activity(Node& node, Instant now) {
    StackCore& s = node.stack();
    if (!pings_.empty()) {
        sort_ping_mail(s);
    }
    // Handles nobody watches (none in a scenario) are dropped with their events.
    s.tcp_take_events(
        [this](TcpConnId c, std::uint32_t) {
            if (const auto it = tcp_.find(c); it != tcp_.end()) {
                mark(it->second);
            }
        },
        [this](TcpListenerId l) {
            if (const auto it = listeners_.find(l); it != listeners_.end()) {
                mark(it->second);
            }
        });
    s.udp_take_readable([this](UdpSocketId u) {
        if (const auto it = udp_.find(u); it != udp_.end()) {
            mark(it->second);
        }
    });
    // Registration order, as when every app was called: the same sends in the same order.
    std::sort(due_.begin(), due_.end());
    for (const std::uint32_t i : due_) {
        marked_[i] = 0;
        apps_[i]->on_activity(node, now);
    }
    due_.clear();
}

Result<std::unique_ptr<ScenarioApp>> make_app(Network& net, const AppSpec& spec, NodeId from,
                                              NodeId to, Instant origin) {
    switch (spec.kind) {
    case AppKind::ping:
        return apps::make_ping(net, spec, from, to, origin);
    case AppKind::tcp_bulk:
        return apps::make_tcp_bulk(net, spec, from, to, origin);
    case AppKind::udp_cbr:
        return apps::make_udp_cbr(net, spec, from, to, origin);
    case AppKind::http:
        return apps::make_http(net, spec, from, to, origin);
    case AppKind::traceroute:
        return apps::make_traceroute(net, spec, from, to, origin);
    }
    return fail(EINVAL);
}

} // namespace multios::net::sim
