// Ports opened by main() over net_ring0/net_ring1.
#include <catch2/catch.hpp>

#include <cstdio>
#include <string>

#include "glue_env.hpp"
#include "pmd_glue/glue_error.hpp"

using namespace multios::net;
using namespace multios::net::glue;

TEST_CASE("ports follow vdev order and report MAC, MTU and link", "[glue][port]") {
    PortSet& ports = test::ports();
    REQUIRE(ports.size() == 3);
    const PortInfo& p0 = ports.info(0);
    CHECK(p0.ifindex == 0);
    CHECK(p0.name == "net_ring0");
    CHECK(ports.info(1).name == "net_ring1");
    CHECK(ports.info(2).name == "net_null0");
    CHECK(ports.info(2).driver == "net_null");
    CHECK(ports.info(2).mac == MacAddress{{0x02, 0x00, 0x00, 0x6d, 0x6f, 0x01}});
    // net_ring has no address of its own: the glue gives each one a local one.
    CHECK(p0.mac == MacAddress{{0x02, 0x6d, 0x6f, 0x00, 0x00, 0x00}});
    CHECK(ports.info(1).mac == MacAddress{{0x02, 0x6d, 0x6f, 0x00, 0x00, 0x01}});
    CHECK(p0.mtu == 1500);
    CHECK(p0.rx_desc > 0);
    CHECK(p0.tx_desc > 0);
    CHECK(ports.link_status(0).find("Link") != std::string::npos);
    std::string d = ports.describe(0);
    CHECK(d.find("net_ring0") != std::string::npos);
    CHECK(ports.describe(2).find("mac 02:00:00:6d:6f:01") != std::string::npos);
    CHECK(ports.frame_capacity() >= 1500 + 14);
    CHECK(ports.mbufs_per_pool() > 2u * 1024u);
}

TEST_CASE("port config outside limits is refused with a message", "[glue][port]") {
    PortSetConfig config;
    config.mtu = 9001;
    auto r = PortSet::open(config);
    CHECK_FALSE(r);
    CHECK(last_error().find("MTU") != std::string::npos);
}

TEST_CASE("counters print as a readable block", "[glue][port]") {
    char* text = nullptr;
    std::size_t len = 0;
    std::FILE* f = open_memstream(&text, &len);
    REQUIRE(f != nullptr);
    test::ports().print_counters(f);
    std::fclose(f);
    std::string s(text, len);
    std::free(text);
    CHECK(s.find("if0 net_ring0") != std::string::npos);
    CHECK(s.find("if1 net_ring1") != std::string::npos);
    CHECK(s.find("rx_nombuf") != std::string::npos);
    CHECK(s.find("tx_dropped") != std::string::npos);
}
