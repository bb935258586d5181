// web_server: serves the files of a directory over HTTP/1.1 to many clients at once, with
// one thread and a Poller (the stack's epoll). Each client is a non-blocking socket; the
// Poller says which ones can be read or written, and the loop does a little work for each.
//
//   MULTIOS_NET_CONFIG=config/test-net.toml web_server --root ./site --port 8080
//
// Stops on SIGINT/SIGTERM and prints how many requests it served.
#include <multios/net.hpp>

#include <array>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using namespace multios::net;
namespace fs = std::filesystem;

namespace {

std::atomic<bool> g_stop{false};

struct Options {
    fs::path root = ".";
    std::uint16_t port = 8080;
};

// One client: the request read so far, then the response being written.
struct Client {
    Socket socket;
    std::string request;
    std::string response;
    std::size_t sent = 0;
};

std::string content_type(const fs::path& p) {
    static const std::map<std::string, std::string> types = {
        {".html", "text/html"},     {".txt", "text/plain"},        {".css", "text/css"},
        {".js", "text/javascript"}, {".json", "application/json"}, {".png", "image/png"}};
    auto it = types.find(p.extension().string());
    return it != types.end() ? it->second : "application/octet-stream";
}

std::string status_response(int code, const char* reason) {
    const std::string body = std::to_string(code) + " " + reason + "\n";
    return "HTTP/1.1 " + std::to_string(code) + " " + reason +
           "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\nConnection: close\r\n\r\n" + body;
}

// Builds the whole response for one request ("GET /path HTTP/1.1"). Paths that leave the
// root ("..") are refused; a directory serves its index.html.
std::string respond(const Options& opt, const std::string& request) {
    std::istringstream line(request.substr(0, request.find("\r\n")));
    std::string method, target, version;
    line >> method >> target >> version;
    if (version.rfind("HTTP/1.", 0) != 0)
        return status_response(400, "Bad Request");
    if (method != "GET" && method != "HEAD")
        return status_response(405, "Method Not Allowed");
    const fs::path relative = fs::path(target.substr(0, target.find('?'))).relative_path();
    for (const auto& part : relative)
        if (part == "..")
            return status_response(403, "Forbidden");
    fs::path file = opt.root / relative;
    if (fs::is_directory(file))
        file /= "index.html";
    std::ifstream in(file, std::ios::binary);
    if (!fs::is_regular_file(file) || !in)
        return status_response(404, "Not Found");
    std::ostringstream body;
    body << in.rdbuf();
    const std::string content = body.str();
    std::string out = "HTTP/1.1 200 OK\r\nContent-Type: " + content_type(file) +
                      "\r\nContent-Length: " + std::to_string(content.size()) +
                      "\r\nConnection: close\r\n\r\n";
    if (method == "GET")
        out += content;
    return out;
}

bool parse_args(int argc, char** argv, Options& opt) {
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--root" && i + 1 < argc) {
            opt.root = argv[++i];
        } else if (arg == "--port" && i + 1 < argc) {
            const int port = std::atoi(argv[++i]);
            if (port < 1 || port > 65535)
                return false;
            opt.port = static_cast<std::uint16_t>(port);
        } else {
            return false;
        }
    }
    return fs::is_directory(opt.root);
}

// Reads what the client sent; true once the request head is complete (or the client left).
bool read_request(Client& c) {
    std::array<std::byte, 4096> buf;
    for (;;) {
        auto n = c.socket.recv(buf);
        if (!n)
            return n.error() != std::errc::resource_unavailable_try_again;
        if (*n == 0)
            return true;
        c.request.append(reinterpret_cast<const char*>(buf.data()), *n);
        if (c.request.find("\r\n\r\n") != std::string::npos || c.request.size() > 16384)
            return true;
    }
}

// Writes as much of the response as the socket takes; true when all of it went.
bool write_response(Client& c) {
    while (c.sent < c.response.size()) {
        auto n = c.socket.send(std::string_view(c.response).substr(c.sent));
        if (!n)
            return n.error() != std::errc::resource_unavailable_try_again;
        c.sent += *n;
    }
    return true;
}

} // namespace

int main(int argc, char** argv) {
    Options opt;
    if (!parse_args(argc, argv, opt)) {
        std::fprintf(stderr, "usage: web_server --root DIR [--port N]   (DIR must exist)\n"
                             "       the stack's interfaces come from $MULTIOS_NET_CONFIG\n");
        return 2;
    }
    NetworkStack stack;
    if (auto r = stack.start(); !r) {
        std::fprintf(stderr, "web_server: cannot start the stack: %s\n",
                     r.error().message().c_str());
        return 1;
    }
    std::signal(SIGINT, [](int) { g_stop = true; });
    std::signal(SIGTERM, [](int) { g_stop = true; });

    Socket listener(SocketType::Stream);
    listener.set_reuse_address(true).value();
    if (auto r = listener.bind(SocketAddress::any_v6(opt.port)); !r) {
        std::fprintf(stderr, "web_server: bind: %s\n", r.error().message().c_str());
        return 1;
    }
    if (auto r = listener.listen(1024); !r) {
        std::fprintf(stderr, "web_server: listen: %s\n", r.error().message().c_str());
        return 1;
    }
    listener.set_nonblocking(true).value();
    Poller poller;
    constexpr std::uint64_t kListener = 0;
    poller.add(listener, poll_event::kReadable, kListener).value();
    std::printf("web_server: serving %s on port %u (IPv4 and IPv6)\n", opt.root.c_str(),
                static_cast<unsigned>(opt.port));
    std::fflush(stdout);

    std::map<std::uint64_t, Client> clients;
    std::uint64_t next_id = 1, served = 0;
    std::array<PollEvent, 256> events;
    while (!g_stop) {
        auto ready = poller.wait(events, std::chrono::milliseconds(200));
        if (!ready)
            break;
        for (std::size_t i = 0; i < *ready; ++i) {
            if (events[i].user_data == kListener) {
                // Level-triggered: take every waiting connection.
                while (auto accepted = listener.accept()) {
                    auto& [socket, peer] = *accepted;
                    socket.set_nonblocking(true).value();
                    const std::uint64_t id = next_id++;
                    Client& c = clients[id];
                    c.socket = std::move(socket);
                    poller.add(c.socket, poll_event::kReadable, id).value();
                }
                continue;
            }
            auto it = clients.find(events[i].user_data);
            if (it == clients.end())
                continue;
            Client& c = it->second;
            bool done = false;
            if (c.response.empty()) {
                if (read_request(c)) {
                    if (c.request.find("\r\n\r\n") == std::string::npos) {
                        done = true; // left before finishing its request
                    } else {
                        c.response = respond(opt, c.request);
                        ++served;
                        poller.modify(c.socket, poll_event::kWritable, it->first).value();
                    }
                }
            }
            if (!done && !c.response.empty())
                done = write_response(c) && c.sent == c.response.size();
            if (done || (events[i].events & poll_event::kError) != 0) {
                (void)poller.remove(c.socket);
                clients.erase(it); // closes: FIN after the queued response
            }
        }
    }
    std::printf("web_server: served %llu requests\n", static_cast<unsigned long long>(served));
    return 0;
}
