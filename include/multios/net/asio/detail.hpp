// Internals of the Boost.Asio sockets (<multios/net/asio.hpp>): error and endpoint conversion,
// and the operation that retries a non-blocking socket call on the I/O executor until it
// completes, waiting for readiness in between through the stack's ReadinessReactor.
#pragma once

#include <cstddef>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <unordered_set>
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/execution/context.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/query.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include <multios/net/network_stack.hpp>
#include <multios/net/poller.hpp>
#include <multios/net/reactor.hpp>
#include <multios/net/socket.hpp>

namespace multios::net::asio::detail {

inline boost::system::error_code to_boost(std::error_code ec) {
    if (!ec)
        return {};
    if (ec.value() == EAGAIN)
        return boost::asio::error::would_block;
    return {ec.value(), boost::system::system_category()};
}

inline IpAddress from_boost(const boost::asio::ip::address& a) {
    if (a.is_v4()) {
        const auto b = a.to_v4().to_bytes();
        return Ipv4Address{{b[0], b[1], b[2], b[3]}};
    }
    Ipv6Address v6;
    const auto b = a.to_v6().to_bytes();
    for (std::size_t i = 0; i < 16; ++i)
        v6.bytes[i] = b[i];
    return v6;
}

inline boost::asio::ip::address to_boost(const IpAddress& a) {
    if (a.is_v4())
        return boost::asio::ip::address_v4(boost::asio::ip::address_v4::bytes_type{
            a.v4().bytes[0], a.v4().bytes[1], a.v4().bytes[2], a.v4().bytes[3]});
    boost::asio::ip::address_v6::bytes_type b;
    for (std::size_t i = 0; i < 16; ++i)
        b[i] = a.v6().bytes[i];
    return boost::asio::ip::address_v6(b);
}

template <class Endpoint>
SocketAddress from_endpoint(const Endpoint& e) {
    return SocketAddress{from_boost(e.address()), e.port()};
}

template <class Endpoint>
Endpoint to_endpoint(const SocketAddress& a) {
    return Endpoint(to_boost(a.address), a.port);
}

inline std::span<std::byte> as_span(const boost::asio::mutable_buffer& b) {
    return {static_cast<std::byte*>(b.data()), b.size()};
}

inline std::span<const std::byte> as_span(const boost::asio::const_buffer& b) {
    return {static_cast<const std::byte*>(b.data()), b.size()};
}

/// What one attempt of an operation gives: nullopt = it would block (wait, then retry).
template <class R>
using Attempt = std::optional<std::pair<boost::system::error_code, R>>;

/// A finished attempt.
template <class R>
Attempt<R> done(boost::system::error_code ec, R result) {
    return Attempt<R>(std::in_place, ec, std::move(result));
}

/// Blocks the calling thread until `socket` is ready for `events` (for the synchronous
/// calls); false when the reactor is gone (stack stopped) or the socket closed.
inline bool wait_ready(NetworkStack* stack, Socket& socket, std::uint32_t events) {
    ReadinessReactor* reactor = ReadinessReactor::of(stack);
    if (reactor == nullptr)
        return false;
    auto ready = std::make_shared<std::promise<bool>>();
    auto outcome = ready->get_future();
    if (!reactor->when_ready(socket, events, [ready](bool ok) { ready->set_value(ok); }))
        return false;
    return outcome.get();
}

/// Runs a synchronous operation: attempt, wait for readiness, attempt again.
template <class R, class Try>
std::pair<boost::system::error_code, R> run_sync(NetworkStack* stack, Socket& socket,
                                                 std::uint32_t events, Try&& attempt) {
    for (;;) {
        if (Attempt<R> r = attempt())
            return std::move(*r);
        if (!wait_ready(stack, socket, events))
            return {boost::asio::error::operation_aborted, R{}};
    }
}

/// An operation the io_context may have to drop: at its destruction (the service's
/// shutdown) pending operations are abandoned — their handlers destroyed, never called — as
/// Asio does with its own sockets' operations.
class PendingOp {
  public:
    virtual ~PendingOp() = default;
    virtual void abandon() = 0;
};

/// The io_context service that knows every pending operation on its executors.
class PendingOps : public boost::asio::execution_context::service {
  public:
    using key_type = PendingOps;
    static inline boost::asio::execution_context::id id;

    explicit PendingOps(boost::asio::execution_context& ctx)
        : boost::asio::execution_context::service(ctx) {}

    /// False once shut down (the operation must not start).
    bool add(PendingOp* op) {
        std::lock_guard lock(mutex_);
        if (shut_)
            return false;
        ops_.insert(op);
        return true;
    }
    void remove(PendingOp* op) {
        std::lock_guard lock(mutex_);
        ops_.erase(op);
    }

  private:
    void shutdown() override {
        std::unordered_set<PendingOp*> ops;
        {
            std::lock_guard lock(mutex_);
            shut_ = true;
            ops.swap(ops_);
        }
        for (PendingOp* op : ops)
            op->abandon();
    }

    std::mutex mutex_;
    std::unordered_set<PendingOp*> ops_;
    bool shut_ = false;
};

/// One asynchronous operation:/// One asynchronous operation: `attempt` runs on the I/O executor;
/// when it would block the operation waits for `events` on the socket and runs it again. The
/// handler is called once, through its associated executor, never from inside the initiating
/// function. Holds the socket (shared) and outstanding work on the executor until it completes.
template <class R, class Handler, class Try>
class ReactiveOp : public PendingOp,
                   public std::enable_shared_from_this<ReactiveOp<R, Handler, Try>> {
  public:
    ReactiveOp(std::shared_ptr<Socket> socket, NetworkStack* stack, boost::asio::any_io_executor io,
               std::uint32_t events, Handler handler, Try attempt, R empty)
        : socket_(std::move(socket)), stack_(stack), io_(std::move(io)),
          work_(boost::asio::prefer(io_, boost::asio::execution::outstanding_work.tracked)),
          events_(events), handler_(std::move(handler)), attempt_(std::move(attempt)),
          empty_(std::move(empty)), registry_(&boost::asio::use_service<PendingOps>(
                                        boost::asio::query(io_, boost::asio::execution::context))) {
    }

    ~ReactiveOp() override {
        if (registered_)
            registry_->remove(this);
    }

    void start() {
        registered_ = registry_->add(this);
        if (!registered_)
            return; // the io_context is being destroyed
        keep_ = this->shared_from_this();
        post_locked([self = this->shared_from_this()] { self->run(); });
    }

    void abandon() override {
        std::lock_guard lock(mutex_);
        abandoned_ = true;
        registered_ = false;
        handler_.reset();
        work_ = boost::asio::any_io_executor();
        keep_.reset(); // may be the last owner: nothing may follow in this function
    }

  private:
    void run() {
        if (Attempt<R> r = attempt_()) {
            complete(r->first, std::move(r->second));
            return;
        }
        ReadinessReactor* reactor = ReadinessReactor::of(stack_);
        if (reactor == nullptr) {
            complete(boost::asio::error::network_down, std::move(empty_));
            return;
        }
        auto self = this->shared_from_this();
        auto armed = reactor->when_ready(*socket_, events_, [self](bool ready) {
            self->post_locked([self, ready] {
                if (ready)
                    self->run();
                else
                    self->complete(boost::asio::error::operation_aborted, std::move(self->empty_));
            });
        });
        if (!armed)
            complete(to_boost(armed.error()), std::move(empty_));
    }

    // Posts to the I/O executor unless the operation was abandoned (from the reactor's
    // thread, which may race with the io_context's destruction).
    template <class F>
    void post_locked(F&& f) {
        std::lock_guard lock(mutex_);
        if (!abandoned_)
            boost::asio::post(io_, std::forward<F>(f));
    }

    void complete(boost::system::error_code ec, R result) {
        std::optional<Handler> h;
        {
            std::lock_guard lock(mutex_);
            if (abandoned_ || !handler_)
                return;
            h.emplace(std::move(*handler_));
            handler_.reset();
        }
        auto self = std::move(keep_); // alive until this function returns
        auto ex = boost::asio::get_associated_executor(*h, io_);
        boost::asio::dispatch(ex, [h = std::move(*h), ec, r = std::move(result)]() mutable {
            std::move(h)(ec, std::move(r));
        });
        std::lock_guard lock(mutex_);
        work_ = boost::asio::any_io_executor(); // the work ends with the operation
    }

    std::shared_ptr<Socket> socket_;
    NetworkStack* stack_;
    boost::asio::any_io_executor io_;
    boost::asio::any_io_executor work_;
    std::uint32_t events_;
    std::optional<Handler> handler_;
    Try attempt_;
    R empty_;
    PendingOps* registry_;
    bool registered_ = false;
    std::mutex mutex_;
    bool abandoned_ = false;
    /// The operation owns itself while pending (released when it completes or is abandoned).
    std::shared_ptr<ReactiveOp> keep_;
};

template <class R, class Handler, class Try>
void start_op(std::shared_ptr<Socket> socket, NetworkStack* stack,
              const boost::asio::any_io_executor& io, std::uint32_t events, Handler&& handler,
              Try&& attempt, R empty = R{}) {
    using Op = ReactiveOp<R, std::decay_t<Handler>, std::decay_t<Try>>;
    std::make_shared<Op>(std::move(socket), stack, io, events, std::forward<Handler>(handler),
                         std::forward<Try>(attempt), std::move(empty))
        ->start();
}

/// Reads into the first buffers of a sequence (as much as is there, without blocking).
template <class Buffers>
Attempt<std::size_t> try_read(Socket& s, const Buffers& buffers, bool stream) {
    std::size_t total = 0;
    bool any = false;
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
        boost::asio::mutable_buffer b(*it);
        if (b.size() == 0)
            continue;
        any = true;
        auto r = s.recv(as_span(b));
        if (!r) {
            if (r.error().value() == EAGAIN)
                return total != 0 ? done<std::size_t>(boost::system::error_code{}, total)
                                  : std::nullopt;
            return done<std::size_t>(to_boost(r.error()), total);
        }
        if (*r == 0 && stream)
            return done<std::size_t>(
                total != 0 ? boost::system::error_code{} : boost::asio::error::eof, total);
        total += *r;
        if (*r < b.size() || !stream)
            break;
    }
    (void)any; // an empty buffer sequence completes at once with 0 bytes
    return done<std::size_t>(boost::system::error_code{}, total);
}

/// Writes from a buffer sequence as much as the socket takes without blocking.
template <class Buffers>
Attempt<std::size_t> try_write(Socket& s, const Buffers& buffers) {
    std::size_t total = 0;
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
        boost::asio::const_buffer b(*it);
        if (b.size() == 0)
            continue;
        auto r = s.send(as_span(b));
        if (!r) {
            if (r.error().value() == EAGAIN)
                return total != 0 ? done<std::size_t>(boost::system::error_code{}, total)
                                  : std::nullopt;
            return done<std::size_t>(to_boost(r.error()), total);
        }
        total += *r;
        if (*r < b.size())
            break;
    }
    return done<std::size_t>(boost::system::error_code{}, total);
}

inline void throw_if(const boost::system::error_code& ec, const char* what) {
    if (ec)
        throw boost::system::system_error(ec, what);
}

} // namespace multios::net::asio::detail
