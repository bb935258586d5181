// TCP connection lifetime in the stack: creating entries, the sinks' callbacks (output and
// readiness events), listener queue moves on handshake completion, deferred abort and reaping,
// and the shared timer wheel.
//
// Rule: nothing here frees a connection from inside one of its callbacks. Callbacks only
// record (ready list, queue moves, abort_after_call); tcp_after_call(), run by whoever called
// into the connection once that call returned, acts on it.
#include <algorithm>

#include "stack/stack_impl.hpp"

namespace multios::net {

bool StackCore::Impl::tcp_entry_send(TcpEntry& e, const tcp::OutgoingSegment& seg, Instant now) {
    return tcp_emit(e.conn.tuple(), e.ifindex, seg, now, e.hop_limit);
}

void StackCore::Impl::tcp_entry_events(TcpEntry& e, std::uint32_t events) {
    if (events & tcp::tcpevent::kConnected)
        ++tcp_counters.established;
    if (e.stage == TcpStage::kSynQueue && (events & tcp::tcpevent::kConnected)) {
        // The handshake of a passive connection completed: SYN queue -> accept queue.
        TcpListener* l = tcp_listeners.resolve(e.listener);
        if (l)
            --l->syn_queue;
        if (!l || l->accept_queue_full()) {
            if (l)
                ++tcp_counters.accept_queue_overflows;
            e.stage = TcpStage::kActive; // Out of every queue; reset once the call returns.
            e.abort_after_call = true;
            return;
        }
        e.stage = TcpStage::kAcceptQueue;
        l->accepted.push_back(tcp_table.handle(e.index));
        if (!l->reported) {
            l->reported = true;
            tcp_ready_listeners.push_back(e.listener);
        }
        return;
    }
    // Nobody to tell before tcp_accept (the application learns the state then) or after
    // tcp_close/tcp_abort released the handle.
    if (!e.app_holds)
        return;
    e.pending_events |= events;
    if (!e.in_ready) {
        e.in_ready = true;
        tcp_ready.push_back(tcp_table.handle(e.index));
    }
}

TcpEntry& StackCore::Impl::tcp_create(const FourTuple& tuple, std::uint16_t local_mss,
                                      std::optional<IfIndex> ifindex, const tcp::TcpConfig* cfg,
                                      std::uint8_t hop_limit) {
    auto e = std::make_unique<TcpEntry>(*this, cfg ? *cfg : config.tcp.connection, tuple, local_mss,
                                        tcp_wheel, ifindex);
    TcpEntry& ref = *e;
    ref.hop_limit = hop_limit;
    tcp_table.insert(std::move(e));
    ++tcp_counters.flows;
    return ref;
}

const tcp::TcpConfig& StackCore::Impl::tcp_listener_config(const TcpListener& l) const {
    return l.config ? *l.config : config.tcp.connection;
}

void StackCore::Impl::tcp_after_call(TcpEntry& e, Instant now) {
    if (e.abort_after_call) {
        e.abort_after_call = false;
        e.conn.abort(now);
    }
    if (!e.app_holds && e.conn.reapable())
        tcp_free(e);
}

void StackCore::Impl::tcp_free(TcpEntry& e) {
    if (e.stage == TcpStage::kSynQueue || e.stage == TcpStage::kAcceptQueue) {
        // A passive connection that closed before tcp_accept leaves its listener's queue.
        if (TcpListener* l = tcp_listeners.resolve(e.listener)) {
            if (e.stage == TcpStage::kSynQueue) {
                --l->syn_queue;
            } else {
                const TcpConnId h = tcp_table.handle(e.index);
                l->accepted.erase(std::remove(l->accepted.begin(), l->accepted.end(), h),
                                  l->accepted.end());
            }
        }
    }
    ++tcp_counters.connections_freed;
    tcp_table.erase(e.index);
}

void StackCore::Impl::tcp_poll(Instant now) {
    tcp_wheel.advance(now, [&](TimerNode& node) {
        auto* c = static_cast<tcp::Connection*>(node.context());
        const auto index = tcp_table.find(c->tuple());
        c->on_timer(static_cast<tcp::TimerKind>(node.kind()), now);
        if (index)
            if (TcpEntry* e = tcp_table.at(*index))
                tcp_after_call(*e, now);
    });
}

} // namespace multios::net
