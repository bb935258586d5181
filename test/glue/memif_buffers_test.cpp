// memif_vdev_for_mtu: memif ports get whole-frame ring buffers for jumbo MTUs, nothing else
// changes.
#include <catch2/catch.hpp>

#include "pmd_glue/memif_buffers.hpp"

using multios::net::glue::memif_vdev_for_mtu;

TEST_CASE("a memif port whose frames outgrow 2048-byte buffers gets bigger ones", "[glue_memif]") {
    CHECK(memif_vdev_for_mtu("net_memif0,role=client,socket=/tmp/m.sock", 9000) ==
          "net_memif0,role=client,socket=/tmp/m.sock,bsize=16384");
    CHECK(memif_vdev_for_mtu("net_memif0", 4000) == "net_memif0,bsize=4096");
    CHECK(memif_vdev_for_mtu("net_memif1,role=server", 2030) == "net_memif1,role=server");
    CHECK(memif_vdev_for_mtu("net_memif1,role=server", 2031) ==
          "net_memif1,role=server,bsize=4096");
}

TEST_CASE("other ports, small MTUs and a chosen bsize are left alone", "[glue_memif]") {
    CHECK(memif_vdev_for_mtu("net_memif0,role=client", 1500) == "net_memif0,role=client");
    CHECK(memif_vdev_for_mtu("net_memif0,bsize=8192,role=client", 9000) ==
          "net_memif0,bsize=8192,role=client");
    CHECK(memif_vdev_for_mtu("net_memif0,role=client,bsize=2048", 9000) ==
          "net_memif0,role=client,bsize=2048");
    CHECK(memif_vdev_for_mtu("net_tap0,iface=mnet0", 9000) == "net_tap0,iface=mnet0");
    // A key that merely contains "bsize" is not it.
    CHECK(memif_vdev_for_mtu("net_memif0,xbsize=1", 9000) == "net_memif0,xbsize=1,bsize=16384");
}
