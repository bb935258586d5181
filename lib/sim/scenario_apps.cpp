#include "sim/scenario_apps.hpp"

#include <algorithm>

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

void AppHub::on_activity(Node& node, Instant now) {
    for (ScenarioApp* a : apps_) {
        a->on_activity(node, now);
    }
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
    }
    return fail(EINVAL);
}

} // namespace multios::net::sim
