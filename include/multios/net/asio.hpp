// Boost.Asio sockets over the stack: drop-in replacements for boost::asio::ip::tcp::socket,
// tcp::acceptor and udp::socket in code that uses their asynchronous interface. Any
// completion token works (callbacks, use_future, use_awaitable for C++20 coroutines), and
// the composed operations (boost::asio::async_read, async_write, async_read_until, ...) work
// because these types model AsyncReadStream / AsyncWriteStream.
//
//   boost::asio::io_context io;
//   multios::net::asio::tcp_acceptor acceptor(io, {boost::asio::ip::tcp::v6(), 7});
//   auto socket = co_await acceptor.async_accept(boost::asio::use_awaitable);
//   std::size_t n = co_await socket.async_read_some(boost::asio::buffer(buf), use_awaitable);
//
// Completion handlers run on the socket's executor (the io_context's threads), never on an
// lcore. Readiness comes from the stack's ReadinessReactor thread. Needs a running stack
// (NetworkStack::start()); otherwise operations fail with network_down. Not part of
// <multios/net.hpp>: include it where Boost is available (Debian's libboost-dev).
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/ip/unicast.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/socket_base.hpp>

#include <multios/net/asio/detail.hpp>

namespace multios::net::asio {

/// Shared by the socket types: the stack socket, its executor and the options mapping.
class basic_stack_socket {
  public:
    using executor_type = boost::asio::any_io_executor;

    executor_type get_executor() const noexcept { return executor_; }
    bool is_open() const { return socket_ && socket_->is_open(); }
    /// Cancels pending operations (operation_aborted) and closes.
    void close() {
        boost::system::error_code ec;
        close(ec);
        detail::throw_if(ec, "close");
    }
    void close(boost::system::error_code& ec) {
        ec = {};
        if (!socket_)
            return;
        cancel();
        if (socket_->is_open())
            ec = detail::to_boost(socket_->close().error());
    }
    /// Pending asynchronous operations complete with operation_aborted.
    void cancel() {
        if (socket_ && socket_->is_open())
            if (ReadinessReactor* r = ReadinessReactor::of(stack_))
                r->cancel(*socket_);
    }
    /// The stack socket underneath (options not mapped here, TCP_INFO, ...).
    Socket& native() { return *socket_; }

    /// boost::asio option types: no_delay, keep_alive, linger, receive/send_buffer_size,
    /// reuse_address, v6_only, unicast::hops.
    template <class Option>
    void set_option(const Option& option) {
        boost::system::error_code ec;
        set_option(option, ec);
        detail::throw_if(ec, "set_option");
    }
    template <class Option>
    void set_option(const Option& o, boost::system::error_code& ec) {
        namespace ip = boost::asio::ip;
        using base = boost::asio::socket_base;
        Result<void> r = fail(ENOPROTOOPT);
        if constexpr (std::is_same_v<Option, ip::tcp::no_delay>)
            r = socket_->set_nodelay(o.value());
        else if constexpr (std::is_same_v<Option, base::keep_alive>)
            r = socket_->set_keepalive(o.value());
        else if constexpr (std::is_same_v<Option, base::reuse_address>)
            r = socket_->set_reuse_address(o.value());
        else if constexpr (std::is_same_v<Option, base::receive_buffer_size>)
            r = socket_->set_receive_buffer(static_cast<std::size_t>(o.value()));
        else if constexpr (std::is_same_v<Option, base::send_buffer_size>)
            r = socket_->set_send_buffer(static_cast<std::size_t>(o.value()));
        else if constexpr (std::is_same_v<Option, base::linger>)
            r = socket_->set_linger(o.enabled() ? std::optional(std::chrono::seconds(o.timeout()))
                                                : std::nullopt);
        else if constexpr (std::is_same_v<Option, ip::v6_only>)
            r = socket_->set_v6only(o.value());
        else if constexpr (std::is_same_v<Option, ip::unicast::hops>)
            r = socket_->set_ttl(o.value());
        ec = detail::to_boost(r.error());
    }

  protected:
    /// Enables the constructors that take an execution context (io_context, thread_pool).
    template <class Context>
    using if_context =
        std::enable_if_t<std::is_convertible_v<Context&, boost::asio::execution_context&>>;

    void bind_endpoint(const SocketAddress& local) {
        detail::throw_if(detail::to_boost(socket_->bind(local).error()), "bind");
    }
    template <class Endpoint>
    Endpoint local_endpoint_as() const {
        auto a = socket_->local_address();
        detail::throw_if(detail::to_boost(a.error()), "local_endpoint");
        return detail::to_endpoint<Endpoint>(*a);
    }

    basic_stack_socket(const executor_type& ex, SocketType type, NetworkStack* stack)
        : executor_(ex), stack_(stack),
          socket_(
              std::make_shared<Socket>(stack != nullptr ? Socket(*stack, type) : Socket(type))) {
        // Every operation is tried without blocking and resumed on readiness.
        (void)socket_->set_nonblocking(true);
    }
    basic_stack_socket(const executor_type& ex, NetworkStack* stack, Socket&& accepted)
        : executor_(ex), stack_(stack), socket_(std::make_shared<Socket>(std::move(accepted))) {
        (void)socket_->set_nonblocking(true);
    }
    ~basic_stack_socket() {
        if (socket_ && socket_->is_open()) {
            boost::system::error_code ignored;
            close(ignored);
        }
    }
    basic_stack_socket(basic_stack_socket&&) noexcept = default;
    basic_stack_socket& operator=(basic_stack_socket&& other) noexcept {
        if (this != &other) {
            boost::system::error_code ignored;
            close(ignored);
            executor_ = std::move(other.executor_);
            stack_ = other.stack_;
            socket_ = std::move(other.socket_);
        }
        return *this;
    }

    executor_type executor_;
    NetworkStack* stack_ = nullptr;
    std::shared_ptr<Socket> socket_;
};

/// A TCP connection (boost::asio::ip::tcp::socket's asynchronous interface).
class tcp_socket : public basic_stack_socket {
  public:
    using protocol_type = boost::asio::ip::tcp;
    using endpoint_type = boost::asio::ip::tcp::endpoint;

    explicit tcp_socket(const executor_type& ex, NetworkStack* stack = nullptr)
        : basic_stack_socket(ex, SocketType::Stream, stack) {}
    template <class Context, class = if_context<Context>>
    explicit tcp_socket(Context& ctx, NetworkStack* stack = nullptr)
        : tcp_socket(ctx.get_executor(), stack) {}
    /// An accepted connection (used by tcp_acceptor).
    tcp_socket(const executor_type& ex, NetworkStack* stack, Socket&& accepted)
        : basic_stack_socket(ex, stack, std::move(accepted)) {}
    tcp_socket(tcp_socket&&) noexcept = default;
    tcp_socket& operator=(tcp_socket&&) noexcept = default;

    /// For code that opens before connecting (boost::asio::async_connect does): a no-op.
    void open(const protocol_type&) {}
    void open(const protocol_type&, boost::system::error_code& ec) { ec = {}; }

    endpoint_type local_endpoint() const { return local_endpoint_as<endpoint_type>(); }
    endpoint_type remote_endpoint() const {
        auto a = socket_->peer_address();
        detail::throw_if(detail::to_boost(a.error()), "remote_endpoint");
        return detail::to_endpoint<endpoint_type>(*a);
    }
    void shutdown(boost::asio::socket_base::shutdown_type what) {
        const ShutdownHow how =
            what == boost::asio::socket_base::shutdown_receive ? ShutdownHow::Read
            : what == boost::asio::socket_base::shutdown_send  ? ShutdownHow::Write
                                                               : ShutdownHow::Both;
        detail::throw_if(detail::to_boost(socket_->shutdown(how).error()), "shutdown");
    }

  private:
    // The first try starts the handshake; later ones (after writable readiness) read the
    // outcome as a non-blocking connect() user would: SO_ERROR, then getpeername.
    auto connect_attempt(const endpoint_type& ep) {
        return [s = socket_, peer = detail::from_endpoint(ep),
                started = false]() mutable -> detail::Attempt<char> {
            if (!started) {
                started = true;
                auto r = s->connect(peer);
                if (r)
                    return detail::done<char>({}, 0);
                if (r.error().value() != EINPROGRESS)
                    return detail::done<char>(detail::to_boost(r.error()), 0);
                return std::nullopt;
            }
            if (auto e = s->error())
                return detail::done<char>(detail::to_boost(e), 0);
            if (s->peer_address())
                return detail::done<char>({}, 0);
            return std::nullopt;
        };
    }

  public:
    template <class Token>
    auto async_connect(const endpoint_type& peer, Token&& token) {
        return boost::asio::async_initiate<Token, void(boost::system::error_code)>(
            [this](auto handler, const endpoint_type& ep) {
                start_op<char>(
                    std::move(handler), connect_attempt(ep), poll_event::kWritable,
                    [](auto& h, boost::system::error_code ec, char) { std::move(h)(ec); });
            },
            token, peer);
    }
    void connect(const endpoint_type& peer) {
        boost::system::error_code ec;
        connect(peer, ec);
        detail::throw_if(ec, "connect");
    }
    void connect(const endpoint_type& peer, boost::system::error_code& ec) {
        ec = detail::run_sync<char>(stack_, *socket_, poll_event::kWritable, connect_attempt(peer))
                 .first;
    }

    template <class MutableBuffers, class Token>
    auto async_read_some(const MutableBuffers& buffers, Token&& token) {
        return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
            [this](auto handler, const MutableBuffers& b) {
                start_op<std::size_t>(
                    std::move(handler), [s = socket_, b] { return detail::try_read(*s, b, true); },
                    poll_event::kReadable,
                    [](auto& h, boost::system::error_code ec, std::size_t n) {
                        std::move(h)(ec, n);
                    });
            },
            token, buffers);
    }
    template <class ConstBuffers, class Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token) {
        return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
            [this](auto handler, const ConstBuffers& b) {
                start_op<std::size_t>(
                    std::move(handler), [s = socket_, b] { return detail::try_write(*s, b); },
                    poll_event::kWritable,
                    [](auto& h, boost::system::error_code ec, std::size_t n) {
                        std::move(h)(ec, n);
                    });
            },
            token, buffers);
    }
    template <class MutableBuffers>
    std::size_t read_some(const MutableBuffers& buffers, boost::system::error_code& ec) {
        auto [e, n] = detail::run_sync<std::size_t>(stack_, *socket_, poll_event::kReadable, [&] {
            return detail::try_read(*socket_, buffers, true);
        });
        ec = e;
        return n;
    }
    template <class MutableBuffers>
    std::size_t read_some(const MutableBuffers& buffers) {
        boost::system::error_code ec;
        const std::size_t n = read_some(buffers, ec);
        detail::throw_if(ec, "read_some");
        return n;
    }
    template <class ConstBuffers>
    std::size_t write_some(const ConstBuffers& buffers, boost::system::error_code& ec) {
        auto [e, n] = detail::run_sync<std::size_t>(stack_, *socket_, poll_event::kWritable, [&] {
            return detail::try_write(*socket_, buffers);
        });
        ec = e;
        return n;
    }
    template <class ConstBuffers>
    std::size_t write_some(const ConstBuffers& buffers) {
        boost::system::error_code ec;
        const std::size_t n = write_some(buffers, ec);
        detail::throw_if(ec, "write_some");
        return n;
    }

  private:
    template <class R, class Handler, class Try, class Finish>
    void start_op(Handler&& handler, Try&& attempt, std::uint32_t events, Finish finish) {
        // Adapts the handler's signature: ReactiveOp always completes with (ec, R).
        auto adapted = [h = std::forward<Handler>(handler), finish](boost::system::error_code ec,
                                                                    R r) mutable {
            finish(h, ec, std::move(r));
        };
        detail::start_op<R>(socket_, stack_, executor_, events, std::move(adapted),
                            std::forward<Try>(attempt));
    }
};

/// Listens and accepts (boost::asio::ip::tcp::acceptor's asynchronous interface).
class tcp_acceptor : public basic_stack_socket {
  public:
    using protocol_type = boost::asio::ip::tcp;
    using endpoint_type = boost::asio::ip::tcp::endpoint;

    explicit tcp_acceptor(const executor_type& ex, NetworkStack* stack = nullptr)
        : basic_stack_socket(ex, SocketType::Stream, stack) {}
    /// Opens, binds (SO_REUSEADDR as Asio sets it) and listens.
    tcp_acceptor(const executor_type& ex, const endpoint_type& local, NetworkStack* stack = nullptr)
        : tcp_acceptor(ex, stack) {
        set_option(boost::asio::socket_base::reuse_address(true));
        bind(local);
        listen();
    }
    template <class Context, class = if_context<Context>>
    explicit tcp_acceptor(Context& ctx, NetworkStack* stack = nullptr)
        : tcp_acceptor(ctx.get_executor(), stack) {}
    template <class Context, class = if_context<Context>>
    tcp_acceptor(Context& ctx, const endpoint_type& local, NetworkStack* stack = nullptr)
        : tcp_acceptor(ctx.get_executor(), local, stack) {}

    void open(const protocol_type&) {}
    void bind(const endpoint_type& local) { bind_endpoint(detail::from_endpoint(local)); }
    void listen(int backlog = boost::asio::socket_base::max_listen_connections) {
        detail::throw_if(detail::to_boost(socket_->listen(backlog).error()), "listen");
    }
    endpoint_type local_endpoint() const { return local_endpoint_as<endpoint_type>(); }

    /// Completes with (error_code, tcp_socket) — the connection on the acceptor's executor.
    template <class Token>
    auto async_accept(Token&& token) {
        return boost::asio::async_initiate<Token, void(boost::system::error_code, tcp_socket)>(
            [this](auto handler) {
                auto ex = executor_;
                auto* stack = stack_;
                auto attempt = [s = socket_, ex, stack]() -> detail::Attempt<tcp_socket> {
                    auto r = s->accept();
                    if (r)
                        return detail::done({}, tcp_socket(ex, stack, std::move(r->first)));
                    if (r.error().value() == EAGAIN)
                        return std::nullopt;
                    return detail::done(detail::to_boost(r.error()), tcp_socket(ex, stack));
                };
                detail::start_op<tcp_socket>(socket_, stack_, executor_, poll_event::kReadable,
                                             std::move(handler), std::move(attempt),
                                             tcp_socket(executor_, stack_));
            },
            token);
    }
    /// Completes with (error_code) after moving the connection into `peer`.
    template <class Token>
    auto async_accept(tcp_socket& peer, Token&& token) {
        return boost::asio::async_initiate<Token, void(boost::system::error_code)>(
            [this, &peer](auto handler) {
                async_accept([&peer, h = std::move(handler)](boost::system::error_code ec,
                                                             tcp_socket s) mutable {
                    if (!ec)
                        peer = std::move(s);
                    std::move(h)(ec);
                });
            },
            token);
    }
    tcp_socket accept() {
        auto [ec, s] = detail::run_sync<std::optional<tcp_socket>>(
            stack_, *socket_, poll_event::kReadable,
            [&]() -> detail::Attempt<std::optional<tcp_socket>> {
                auto r = socket_->accept();
                if (r)
                    return detail::done<std::optional<tcp_socket>>(
                        {}, tcp_socket(executor_, stack_, std::move(r->first)));
                if (r.error().value() == EAGAIN)
                    return std::nullopt;
                return detail::done<std::optional<tcp_socket>>(detail::to_boost(r.error()),
                                                               std::nullopt);
            });
        detail::throw_if(ec, "accept");
        return std::move(*s);
    }
};

/// UDP (boost::asio::ip::udp::socket's asynchronous interface).
class udp_socket : public basic_stack_socket {
  public:
    using protocol_type = boost::asio::ip::udp;
    using endpoint_type = boost::asio::ip::udp::endpoint;

    explicit udp_socket(const executor_type& ex, NetworkStack* stack = nullptr)
        : basic_stack_socket(ex, SocketType::Datagram, stack) {}
    udp_socket(const executor_type& ex, const endpoint_type& local, NetworkStack* stack = nullptr)
        : udp_socket(ex, stack) {
        bind(local);
    }
    template <class Context, class = if_context<Context>>
    explicit udp_socket(Context& ctx, NetworkStack* stack = nullptr)
        : udp_socket(ctx.get_executor(), stack) {}
    template <class Context, class = if_context<Context>>
    udp_socket(Context& ctx, const endpoint_type& local, NetworkStack* stack = nullptr)
        : udp_socket(ctx.get_executor(), local, stack) {}

    void open(const protocol_type&) {}
    void bind(const endpoint_type& local) { bind_endpoint(detail::from_endpoint(local)); }
    endpoint_type local_endpoint() const { return local_endpoint_as<endpoint_type>(); }

    template <class ConstBuffer, class Token>
    auto async_send_to(const ConstBuffer& buffer, const endpoint_type& to, Token&& token) {
        return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
            [this](auto handler, const ConstBuffer& b, const endpoint_type& dst) {
                auto attempt = [s = socket_, b,
                                dst =
                                    detail::from_endpoint(dst)]() -> detail::Attempt<std::size_t> {
                    boost::asio::const_buffer cb(boost::asio::buffer(b));
                    auto r = s->send_to(detail::as_span(cb), dst);
                    if (!r && r.error().value() == EAGAIN)
                        return std::nullopt;
                    return detail::done<std::size_t>(detail::to_boost(r.error()), r.value_or(0));
                };
                detail::start_op<std::size_t>(socket_, stack_, executor_, poll_event::kWritable,
                                              std::move(handler), std::move(attempt));
            },
            token, buffer, to);
    }
    /// Completes with the datagram's size; `from` is set before the handler runs.
    template <class MutableBuffer, class Token>
    auto async_receive_from(const MutableBuffer& buffer, endpoint_type& from, Token&& token) {
        return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
            [this, &from](auto handler, const MutableBuffer& b) {
                auto attempt = [s = socket_, b, &from]() -> detail::Attempt<std::size_t> {
                    boost::asio::mutable_buffer mb(boost::asio::buffer(b));
                    auto r = s->recv_from(detail::as_span(mb));
                    if (!r && r.error().value() == EAGAIN)
                        return std::nullopt;
                    if (!r)
                        return detail::done<std::size_t>(detail::to_boost(r.error()), 0);
                    from = detail::to_endpoint<endpoint_type>(r->second);
                    return detail::done<std::size_t>({}, r->first);
                };
                detail::start_op<std::size_t>(socket_, stack_, executor_, poll_event::kReadable,
                                              std::move(handler), std::move(attempt));
            },
            token, buffer);
    }
};

} // namespace multios::net::asio
