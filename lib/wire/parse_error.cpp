// Counter names for wire-layer parse errors.
#include <multios/net/wire/parse_error.hpp>

namespace multios::net::wire {

const char* to_string(ParseError e) {
    switch (e) {
    case ParseError::Ok:
        return "ok";
    case ParseError::Truncated:
        return "truncated";
    case ParseError::BadChecksum:
        return "bad_checksum";
    case ParseError::BadVersion:
        return "bad_version";
    case ParseError::BadHeaderLength:
        return "bad_header_length";
    case ParseError::BadLength:
        return "bad_length";
    case ParseError::BadOption:
        return "bad_option";
    case ParseError::TooManyHeaders:
        return "too_many_headers";
    case ParseError::BadFragment:
        return "bad_fragment";
    case ParseError::Unsupported:
        return "unsupported";
    case ParseError::SourceRoute:
        return "source_route";
    case ParseError::BadAddress:
        return "bad_address";
    }
    return "unknown";
}

} // namespace multios::net::wire
