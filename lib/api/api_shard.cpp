#include "api/api_shard.hpp"

#include <algorithm>

#include "api/datagram_record.hpp"
#include "tcp/connection.hpp"

namespace multios::net::api {

using namespace sockstate;

namespace {

SocketAddress endpoint(const IpAddress& a, std::uint16_t port) {
    return SocketAddress{a, port};
}

// The reap scan runs every this many rounds: freeing is not urgent, scanning is not free.
constexpr std::uint64_t kReapEvery = 256;

} // namespace

ApiShard::ApiShard(unsigned lcore, glue::Shard& shard)
    : lcore_(lcore), shard_(shard), stack_(*shard.stack) {}

void ApiShard::schedule(Core& s) {
    if (s.service_pending.exchange(true, std::memory_order_seq_cst))
        return; // already queued; the lcore has not looked at it yet
    requests_.push(&s);
    shard_.loop->ring_doorbell();
}

void ApiShard::adopt(std::shared_ptr<Core> s) {
    owned_.push_back(std::move(s));
}

void ApiShard::attach_connection(Core& s, TcpConnId c) {
    s.conn = c;
    s.detached = false;
    by_conn_[c] = &s;
}

void ApiShard::attach_listener(Core& s, TcpListenerId l) {
    by_listener_[l] = &s;
}

void ApiShard::detach_listener(TcpListenerId l, Instant now) {
    auto it = by_listener_.find(l);
    if (it == by_listener_.end())
        return;
    std::erase(blocked_listeners_, it->second);
    by_listener_.erase(it);
    stack_.tcp_close_listener(l, now);
}

void ApiShard::attach_datagram(Core& s, std::uint32_t id) {
    (s.type == SocketType::Raw ? by_raw_ : by_udp_)[id] = &s;
}

void ApiShard::detach_datagram(const Core& s, std::uint32_t id) {
    if (s.type == SocketType::Raw) {
        by_raw_.erase(id);
        stack_.raw_close(id);
    } else {
        by_udp_.erase(id);
        stack_.udp_close(id);
    }
}

bool ApiShard::work(Instant now) {
    bool busy = drain_requests(now);
    busy |= take_tcp_events(now);
    busy |= retry_blocked_listeners(now);
    busy |= receive_datagrams();
    if (!lingering_.empty())
        busy |= check_lingering(now);
    if (++rounds_ % kReapEvery == 0)
        reap();
    return busy;
}

bool ApiShard::drain_requests(Instant now) {
    Core* s = requests_.take_all();
    if (s == nullptr)
        return false;
    while (s != nullptr) {
        Core* next = s->service_next;
        // Cleared first: a request made while we serve queues the socket again.
        s->service_pending.store(false, std::memory_order_seq_cst);
        service(*s, now);
        s = next;
    }
    return true;
}

void ApiShard::service(Core& s, Instant now) {
    if (s.type == SocketType::Stream) {
        serve_stream(s, now);
    } else if (send_datagrams(s, now)) {
        notify_socket(s);
    }
}

bool ApiShard::take_tcp_events(Instant now) {
    bool any = false;
    stack_.tcp_take_events(
        [&](TcpConnId c, std::uint32_t events) {
            auto it = by_conn_.find(c);
            if (it == by_conn_.end())
                return;
            any = true;
            on_connection_events(*it->second, events, now);
        },
        [&](TcpListenerId l) {
            auto it = by_listener_.find(l);
            if (it == by_listener_.end())
                return;
            any = true;
            on_listener_ready(*it->second, l, now);
        });
    return any;
}

void ApiShard::on_connection_events(Core& s, std::uint32_t events, Instant now) {
    if ((events & tcp::tcpevent::kConnected) != 0) {
        if (const tcp::Connection* c = stack_.tcp_connection(s.conn)) {
            const auto& t = c->tuple();
            s.local = endpoint(t.local, t.local_port);
            s.peer = endpoint(t.remote, t.remote_port);
        }
        s.set_state(kConnected);
        s.clear_state(kConnecting);
    }
    if ((events & tcp::tcpevent::kReadable) != 0)
        pump_rx(s, now);
    if ((events & tcp::tcpevent::kWritable) != 0) {
        if ((s.load_state() & kClosing) != 0)
            close_stream(s, now);
        else
            pump_tx(s, now);
    }
    if ((events & tcp::tcpevent::kClosed) != 0 && !s.detached) {
        pump_rx(s, now);
        std::error_code err;
        if (const tcp::Connection* c = stack_.tcp_connection(s.conn))
            err = c->error();
        if (err) {
            s.fatal_error.store(err.value());
            s.pending_error.store(err.value());
            s.set_state(kFailed);
        }
        s.clear_state(kConnecting);
        release_connection(s, now, false);
    }
    notify_socket(s);
}

bool ApiShard::pump_rx(Core& s, Instant now) {
    if (s.detached || !s.rx)
        return false;
    bool moved = false;
    for (;;) {
        auto spans = s.rx->write_spans();
        if (spans[0].empty()) {
            // Flag first, then look again: the reader clears room and then tests the flag,
            // so one of us sees the other (both sides use sequentially consistent accesses).
            s.set_state(kRxBlocked);
            if (s.rx->writable() == 0)
                break;
            s.clear_state(kRxBlocked);
            continue;
        }
        auto r = stack_.tcp_recv(s.conn, spans[0], now);
        if (!r)
            break; // EAGAIN, or the failure a kClosed event reports
        if (*r == 0) {
            if ((s.load_state() & kPeerClosed) == 0) {
                s.set_state(kPeerClosed);
                moved = true;
            }
            break;
        }
        s.rx->commit(*r);
        moved = true;
    }
    return moved;
}

bool ApiShard::pump_tx(Core& s, Instant now) {
    if (s.detached || !s.tx)
        return false;
    bool moved = false;
    while (s.tx->readable() != 0) {
        const auto span = s.tx->read_spans()[0];
        auto r = stack_.tcp_send(s.conn, span, now);
        if (!r) {
            if (r.error().value() != EAGAIN) {
                // The connection cannot take data any more (reset, shut down): what the app
                // queued is lost, as in a kernel; its next send reports the error.
                s.fatal_error.store(r.error().value());
                s.tx->consume(s.tx->readable());
                moved = true;
            }
            break;
        }
        if (*r == 0)
            break;
        s.tx->consume(*r);
        moved = true;
        if (*r < span.size())
            break;
    }
    if ((s.load_state() & kShutWrite) != 0 && !s.shutdown_sent && s.tx->readable() == 0) {
        s.shutdown_sent = true;
        (void)stack_.tcp_shutdown(s.conn, now);
    }
    return moved;
}

void ApiShard::serve_stream(Core& s, Instant now) {
    if (s.detached)
        return;
    const std::uint32_t st = s.load_state();
    if ((st & kClosing) != 0) {
        close_stream(s, now);
        return;
    }
    bool moved = pump_tx(s, now);
    moved |= pump_rx(s, now);
    if (moved)
        notify_socket(s);
}

void ApiShard::close_stream(Core& s, Instant now) {
    if (s.detached)
        return;
    if (s.close_linger == 0) {
        release_connection(s, now, true); // SO_LINGER 0: RST, queued data dropped
        notify_socket(s);
        return;
    }
    pump_tx(s, now);
    if (s.tx->readable() != 0)
        return; // the rest goes as the peer's window opens (kWritable brings us back)
    if (s.close_linger > 0) {
        // SO_LINGER > 0: FIN now, then wait for everything to be acknowledged before the
        // handle goes, so close() can report whether it was.
        if (!s.shutdown_sent) {
            s.shutdown_sent = true;
            (void)stack_.tcp_shutdown(s.conn, now);
        }
        if (std::find(lingering_.begin(), lingering_.end(), &s) == lingering_.end())
            lingering_.push_back(&s);
        return;
    }
    release_connection(s, now, false);
    notify_socket(s);
}

bool ApiShard::check_lingering(Instant now) {
    bool any = false;
    for (std::size_t i = 0; i < lingering_.size();) {
        Core& s = *lingering_[i];
        const tcp::Connection* c = s.detached ? nullptr : stack_.tcp_connection(s.conn);
        if (c != nullptr && c->unacknowledged() != 0) {
            ++i;
            continue;
        }
        if (c != nullptr)
            s.set_state(kSentAll);
        lingering_[i] = lingering_.back();
        lingering_.pop_back();
        release_connection(s, now, false);
        notify_socket(s);
        any = true;
    }
    return any;
}

void ApiShard::release_connection(Core& s, Instant now, bool abort) {
    if (s.detached)
        return;
    s.detached = true;
    by_conn_.erase(s.conn);
    std::erase(lingering_, &s);
    if (abort)
        stack_.tcp_abort(s.conn, now);
    else
        stack_.tcp_close(s.conn, now);
    s.set_state(kGone);
}

void ApiShard::on_listener_ready(Core& listener, TcpListenerId id, Instant now) {
    while (listener.accept_count.load(std::memory_order_acquire) < listener.backlog) {
        auto accepted = stack_.tcp_accept(id);
        if (!accepted)
            return;
        const tcp::Connection* c = stack_.tcp_connection(*accepted);
        if (c == nullptr)
            continue;
        const auto& t = c->tuple();
        auto s = std::make_shared<Core>(
            SocketType::Stream, t.local.is_v4() ? AddressFamily::IPv4 : AddressFamily::IPv6, 0);
        s->engine = listener.engine;
        s->lcore = lcore_;
        s->options = listener.accept_options;
        s->options.nonblocking = false;
        s->rx = std::make_unique<ByteRing>(s->options.rx_ring());
        s->tx = std::make_unique<ByteRing>(s->options.tx_ring());
        s->local = endpoint(t.local, t.local_port);
        s->peer = endpoint(t.remote, t.remote_port);
        s->state.store(kConnected);
        attach_connection(*s, *accepted);
        pump_rx(*s, now);
        s->in_accept_queue.store(true);
        Core* raw = s.get();
        adopt(std::move(s));
        listener.accept_count.fetch_add(1, std::memory_order_acq_rel);
        listener.accepted.push(raw);
        notify_socket(listener);
    }
    if (std::find(blocked_listeners_.begin(), blocked_listeners_.end(), &listener) ==
        blocked_listeners_.end())
        blocked_listeners_.push_back(&listener);
}

bool ApiShard::retry_blocked_listeners(Instant now) {
    if (blocked_listeners_.empty())
        return false;
    auto blocked = std::move(blocked_listeners_);
    blocked_listeners_.clear();
    for (Core* l : blocked) {
        for (auto& [id, core] : by_listener_)
            if (core == l)
                on_listener_ready(*l, id, now);
    }
    return false;
}

bool ApiShard::send_datagrams(Core& s, Instant now) {
    if (!s.tx || s.datagram_ids.size() <= lcore_)
        return false;
    bool moved = false;
    while (auto info = peek_record(*s.tx)) {
        // Records are at most 64 KiB (send_to checks the size): the scratch never reallocates.
        const std::span<std::byte> payload(datagram_scratch_.data(),
                                           std::min(info->length, datagram_scratch_.size()));
        read_record(*s.tx, *info, payload);
        moved = true;
        auto r = s.type == SocketType::Raw
                     ? stack_.raw_send_to(s.datagram_ids[lcore_], info->peer.address, payload, now)
                     : stack_.udp_send_to(s.datagram_ids[lcore_], info->peer.address,
                                          info->peer.port, payload, now);
        if (!r)
            s.pending_error.store(r.error().value()); // asynchronous, as ICMP errors are
    }
    return moved;
}

bool ApiShard::receive_datagrams() {
    bool any = false;
    // Only the sockets whose queue became non-empty: no scan of every socket per round.
    stack_.udp_take_readable([&](UdpSocketId id) {
        auto it = by_udp_.find(id);
        if (it == by_udp_.end())
            return;
        Core& core = *it->second;
        stack_.udp_drain(id, [&](const UdpDatagramView& d) {
            deliver_datagram(core, SocketAddress{d.src, d.src_port}, d.payload);
        });
        notify_socket(core);
        any = true;
    });
    stack_.raw_take_readable([&](RawSocketId id) {
        auto it = by_raw_.find(id);
        if (it == by_raw_.end())
            return;
        Core& core = *it->second;
        stack_.raw_drain(id, [&](const RawDatagramView& d) {
            deliver_datagram(core, SocketAddress{d.src, 0}, d.data);
        });
        notify_socket(core);
        any = true;
    });
    return any;
}

void ApiShard::deliver_datagram(Core& s, const SocketAddress& from,
                                std::span<const std::byte> payload) {
    if (!write_record(*s.rx_parts[lcore_], from, payload))
        s.rx_dropped.fetch_add(1, std::memory_order_relaxed); // as a full socket buffer drops
}

void ApiShard::reap() {
    std::erase_if(owned_, [](const std::shared_ptr<Core>& s) {
        return s->detached && s.use_count() == 1 && !s->service_pending.load() &&
               !s->in_accept_queue.load();
    });
}

void ApiShard::mark_all_down() {
    for (auto& s : owned_) {
        s->set_state(kStackDown);
        notify_socket(*s);
    }
    for (auto& [id, s] : by_listener_) {
        s->set_state(kStackDown);
        notify_socket(*s);
    }
    for (auto* table : {&by_udp_, &by_raw_}) {
        for (auto& [id, s] : *table) {
            s->set_state(kStackDown);
            notify_socket(*s);
        }
    }
}

void ApiShard::release_all() {
    by_conn_.clear();
    by_listener_.clear();
    by_udp_.clear();
    by_raw_.clear();
    blocked_listeners_.clear();
    lingering_.clear();
    owned_.clear();
}

} // namespace multios::net::api
