// Errors of the DPDK edge: a Result carries an errno-style code, and the last failure's
// one-line explanation (what to fix, naming the vdev or port) is kept here for the CLI to print.
#pragma once

#include <string>
#include <string_view>

#include <multios/net/result.hpp>

namespace multios::net::glue {

/// The one-line message of the most recent glue failure on this thread ("" if none).
const std::string& last_error();

/// Records `message` as the last error and returns a Failure with `code` (an errno value).
Failure glue_fail(int code, std::string message);

} // namespace multios::net::glue
