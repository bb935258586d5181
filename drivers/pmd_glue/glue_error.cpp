#include "pmd_glue/glue_error.hpp"

#include <utility>

namespace multios::net::glue {

namespace {
// Thread-local so that a later multi-lcore start-up cannot mix messages of two threads.
thread_local std::string g_last_error;
} // namespace

const std::string& last_error() {
    return g_last_error;
}

Failure glue_fail(int code, std::string message) {
    g_last_error = std::move(message);
    return fail(code);
}

} // namespace multios::net::glue
