// Umbrella header of the MultiOS Network Stack library (libmultios-net).
// Today it exposes the foundation: addresses, results, injected time and the wire-format
// views. The socket and stack APIs join it as their milestones land.
#pragma once

#include <multios/net/address.hpp>
#include <multios/net/result.hpp>
#include <multios/net/time.hpp>
#include <multios/net/wire/arp.hpp>
#include <multios/net/wire/bytes.hpp>
#include <multios/net/wire/checksum.hpp>
#include <multios/net/wire/ethernet.hpp>
#include <multios/net/wire/icmp.hpp>
#include <multios/net/wire/ipv4.hpp>
#include <multios/net/wire/ipv6.hpp>
#include <multios/net/wire/ndp.hpp>
#include <multios/net/wire/parse_error.hpp>
#include <multios/net/wire/tcp.hpp>
#include <multios/net/wire/udp.hpp>
