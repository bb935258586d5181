// SKELETON (being replaced by the lead): compiles, does nothing yet.
#include "tcp/connection.hpp"

namespace multios::net::tcp {

std::string_view to_string(TcpState s) {
    switch (s) {
    case TcpState::kClosed: return "CLOSED";
    case TcpState::kListen: return "LISTEN";
    case TcpState::kSynSent: return "SYN-SENT";
    case TcpState::kSynReceived: return "SYN-RECEIVED";
    case TcpState::kEstablished: return "ESTABLISHED";
    case TcpState::kFinWait1: return "FIN-WAIT-1";
    case TcpState::kFinWait2: return "FIN-WAIT-2";
    case TcpState::kCloseWait: return "CLOSE-WAIT";
    case TcpState::kClosing: return "CLOSING";
    case TcpState::kLastAck: return "LAST-ACK";
    case TcpState::kTimeWait: return "TIME-WAIT";
    }
    return "?";
}

struct Connection::Impl {
    FourTuple tuple;
    TcpState state = TcpState::kClosed;
    std::error_code error;
    bool passive = false;
};

Connection::Connection(const TcpConfig&, const FourTuple& tuple, std::uint16_t, TimerWheel&,
                       SegmentSink&, EventSink&)
    : impl_(std::make_unique<Impl>()) {
    impl_->tuple = tuple;
}
Connection::~Connection() = default;
void Connection::connect(std::uint32_t, Instant) {}
void Connection::accept_syn(const wire::TcpSegment&, std::uint32_t, Instant) {}
void Connection::accept_cookie(const wire::TcpSegment&, std::uint16_t, Instant) {}
void Connection::on_segment(const wire::TcpSegment&, Instant) {}
void Connection::on_timer(TimerKind, Instant) {}
void Connection::on_path_mtu(std::uint32_t, Instant) {}
std::size_t Connection::send(std::span<const std::byte>, Instant) { return 0; }
std::size_t Connection::recv(std::span<std::byte>, Instant) { return 0; }
void Connection::shutdown_send(Instant) {}
void Connection::close(Instant) {}
void Connection::abort(Instant) {}
void Connection::set_nodelay(bool) {}
void Connection::set_keepalive(bool, Instant) {}
TcpState Connection::state() const { return impl_->state; }
const FourTuple& Connection::tuple() const { return impl_->tuple; }
std::size_t Connection::readable() const { return 0; }
bool Connection::eof() const { return false; }
std::size_t Connection::writable() const { return 0; }
std::size_t Connection::unacknowledged() const { return 0; }
std::error_code Connection::error() const { return impl_->error; }
bool Connection::reapable() const { return true; }
bool Connection::passive() const { return impl_->passive; }
TcpInfo Connection::info() const { return {}; }
void format_tcp_info(const TcpInfo&, std::string&) {}

} // namespace multios::net::tcp
