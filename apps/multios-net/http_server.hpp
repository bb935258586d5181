// `serve --http PORT --root DIR`: an HTTP/1.1 static file server (RFC 9110/9112) on the stack's
// TCP. GET and HEAD with Content-Length, persistent connections and pipelining; 301 for a
// directory without its '/', index.html for a directory, 403/404 for everything else. Files
// are streamed: each step reads only what the connection's send buffer can take now, so a
// 100 MB file costs one 64 KiB staging buffer, and nothing in the poll loop waits.
#pragma once

#include <memory>
#include <string>

#include "tcp_service.hpp"

namespace multios::net::app {

/// The HTTP service serving files under `root`. Nothing outside `root` is ever opened: targets
/// are checked (no "..", no NUL) and opened with RESOLVE_BENEATH, so symbolic links cannot
/// lead out either. When `root` cannot be opened the service says so on stderr and answers
/// every request with 404.
std::unique_ptr<TcpService> make_http_service(std::string root);

} // namespace multios::net::app
