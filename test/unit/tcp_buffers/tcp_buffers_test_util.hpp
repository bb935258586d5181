// Shared by the tcp_buffers tests: lets Catch2 print sequence numbers in failed checks.
#pragma once

#include <catch2/catch.hpp>

#include <cstdio>
#include <string>

#include "tcp/seq.hpp"

namespace Catch {
template <>
struct StringMaker<multios::net::tcp::SeqNum> {
    static std::string convert(multios::net::tcp::SeqNum s) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "0x%08x", s.value());
        return buf;
    }
};
} // namespace Catch
