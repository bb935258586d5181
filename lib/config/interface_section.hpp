// Reading `[[interface]]` tables (internal to lib/config).
#pragma once

#include "config/toml_reader.hpp"

namespace multios::net::config::detail {

/// Reads the array under the top-level key `interface` into `out`, checking each table and
/// that names and DPDK devices are not used twice.
Error read_interfaces(const Reader& r, const toml::node& node, std::vector<InterfaceSection>& out);

} // namespace multios::net::config::detail
