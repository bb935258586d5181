// The option layout shared by IPv4 (RFC 791 3.1) and TCP (RFC 9293 3.1): kind 0 ends the
// list, kind 1 is a single padding byte, every other option is kind, length (counting both
// bytes), data. A length below 2 or one running past the end makes the whole list invalid;
// that is the rule whose absence caused picoTCP's zero-length loop (HARDENING row 6).
#pragma once

#include <cstdint>

#include <multios/net/wire/bytes.hpp>
#include <multios/net/wire/parse_error.hpp>

namespace multios::net::wire {

/// Calls `on_option(kind, option_bytes)` for every option other than End/NOP, where
/// `option_bytes` includes the kind and length bytes; stops at the first error it returns.
template <class OnOption>
ParseError walk_kind_length_options(Bytes opts, OnOption&& on_option) {
    constexpr std::uint8_t kEnd = 0;
    constexpr std::uint8_t kNop = 1;
    std::size_t i = 0;
    while (i < opts.size()) {
        const std::uint8_t kind = load8(opts.data() + i);
        if (kind == kEnd)
            break;
        if (kind == kNop) {
            ++i;
            continue;
        }
        if (opts.size() - i < 2)
            return ParseError::BadOption;
        const std::size_t len = load8(opts.data() + i + 1);
        if (len < 2 || len > opts.size() - i)
            return ParseError::BadOption;
        if (const ParseError e = on_option(kind, opts.subspan(i, len)); e != ParseError::Ok)
            return e;
        i += len;
    }
    return ParseError::Ok;
}

} // namespace multios::net::wire
