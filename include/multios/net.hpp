// Umbrella header of the MultiOS Network Stack library (libmultios-net): the stack and its
// interfaces, sockets and the readiness multiplexer, addresses and results, and the
// wire-format views.
#pragma once

#include <multios/net/address.hpp>
#include <multios/net/network_interface.hpp>
#include <multios/net/network_stack.hpp>
#include <multios/net/poller.hpp>
#include <multios/net/result.hpp>
#include <multios/net/socket.hpp>
#include <multios/net/socket_address.hpp>
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
