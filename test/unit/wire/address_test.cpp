// Address text parsing/formatting and prefix matching.
#include <catch2/catch.hpp>

#include <multios/net/address.hpp>

using namespace multios::net;

TEST_CASE("MAC addresses parse and format", "[wire][address]") {
    auto m = MacAddress::parse("02:1A:bb:cc:dd:0f");
    REQUIRE(m);
    CHECK(m->bytes == std::array<std::uint8_t, 6>{0x02, 0x1a, 0xbb, 0xcc, 0xdd, 0x0f});
    CHECK(m->to_string() == "02:1a:bb:cc:dd:0f");
    CHECK(MacAddress::parse(m->to_string()) == m);
    CHECK(MacAddress::broadcast().to_string() == "ff:ff:ff:ff:ff:ff");
    for (auto bad : {"aa:bb:cc:dd:ee", "aa:bb:cc:dd:ee:ff:00", "aa-bb-cc-dd-ee-ff",
                     "aa:bb:cc:dd:ee:fg", "a:bb:cc:dd:ee:ff0", "", "aa:bb:cc:dd:ee:f"}) {
        INFO(bad);
        CHECK_FALSE(MacAddress::parse(bad));
    }
}

TEST_CASE("IPv4 addresses parse and format", "[wire][address]") {
    auto a = Ipv4Address::parse("192.0.2.33");
    REQUIRE(a);
    CHECK(a->to_u32() == 0xc0000221u);
    CHECK(a->to_string() == "192.0.2.33");
    CHECK(Ipv4Address::parse("0.0.0.0")->is_unspecified());
    CHECK(Ipv4Address::parse("255.255.255.255")->is_broadcast());
    for (auto bad : {"1.2.3", "256.1.1.1", "1.2.3.4.5", "1.2.3.", " 1.2.3.4", "1.2.3.4 ", "a.b.c.d",
                     "", "1.2.3.-4", "01.2.3.4", "::1"}) {
        INFO(bad);
        CHECK_FALSE(Ipv4Address::parse(bad));
    }
    // An embedded NUL must not truncate the text silently.
    CHECK_FALSE(Ipv4Address::parse(std::string_view("1.2.3.4\0junk", 12)));
}

TEST_CASE("IPv6 addresses parse and format like RFC 5952", "[wire][address]") {
    struct Case {
        const char* in;
        const char* out;
    };
    for (auto c :
         {Case{"::", "::"}, Case{"::1", "::1"}, Case{"FE80::1", "fe80::1"},
          Case{"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
          Case{"2001:0db8:0000:0000:0000:0000:0002:0001", "2001:db8::2:1"},
          Case{"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},
          Case{"1:0:0:2:0:0:0:3", "1:0:0:2::3"}, Case{"1::", "1::"},
          Case{"::ffff:192.0.2.1", "::ffff:192.0.2.1"}, Case{"ff02::1:ff00:2", "ff02::1:ff00:2"}}) {
        INFO(c.in);
        auto a = Ipv6Address::parse(c.in);
        REQUIRE(a);
        CHECK(a->to_string() == c.out);
        CHECK(Ipv6Address::parse(a->to_string()) == a);
    }
    for (auto bad : {"fe80::1%x", "fe80::1%eth0", ":::", "1:2:3:4:5:6:7:8:9", "12345::", "g::1",
                     "1::2::3", "", "1.2.3.4"}) {
        INFO(bad);
        CHECK_FALSE(Ipv6Address::parse(bad));
    }
}

TEST_CASE("IpAddress picks the family from the text", "[wire][address]") {
    auto a = IpAddress::parse("10.1.2.3");
    REQUIRE(a);
    CHECK(a->is_v4());
    auto b = IpAddress::parse("fd00::2");
    REQUIRE(b);
    CHECK(b->is_v6());
    CHECK(b->to_string() == "fd00::2");
    CHECK_FALSE(IpAddress::parse("fd00::2/64"));
    CHECK_FALSE(IpAddress::parse("junk"));
}

TEST_CASE("IpPrefix parses, formats and rejects bad lengths", "[wire][address]") {
    auto p = IpPrefix::parse("10.0.0.2/24");
    REQUIRE(p);
    CHECK(p->length == 24);
    CHECK(p->to_string() == "10.0.0.2/24");
    CHECK(IpPrefix::parse("10.0.0.2")->length == 32);
    CHECK(IpPrefix::parse("fd00::2")->length == 128);
    CHECK(IpPrefix::parse("fd00::/64")->to_string() == "fd00::/64");
    CHECK(IpPrefix::parse("0.0.0.0/0")->length == 0);
    for (auto bad : {"10.0.0.0/33", "fd00::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/+8",
                     "10.0.0.0/08", "10.0.0.0/8/8", "10.0.0.0/1000", "/8", "10.0.0.0/a"}) {
        INFO(bad);
        CHECK_FALSE(IpPrefix::parse(bad));
    }
}

TEST_CASE("IpPrefix::contains for v4, v6 and odd lengths", "[wire][address]") {
    auto ip = [](const char* s) {
        return *IpAddress::parse(s);
    };
    auto pre = [](const char* s) {
        return *IpPrefix::parse(s);
    };
    CHECK(pre("10.0.0.0/8").contains(ip("10.255.1.1")));
    CHECK_FALSE(pre("10.0.0.0/8").contains(ip("11.0.0.1")));
    CHECK(pre("192.168.4.0/22").contains(ip("192.168.7.255")));
    CHECK_FALSE(pre("192.168.4.0/22").contains(ip("192.168.8.0")));
    CHECK(pre("192.168.1.128/25").contains(ip("192.168.1.200")));
    CHECK_FALSE(pre("192.168.1.128/25").contains(ip("192.168.1.127")));
    CHECK(pre("0.0.0.0/0").contains(ip("1.2.3.4")));
    CHECK(pre("1.2.3.4/32").contains(ip("1.2.3.4")));
    CHECK_FALSE(pre("1.2.3.4/32").contains(ip("1.2.3.5")));
    CHECK(pre("1.2.3.4/31").contains(ip("1.2.3.5")));
    CHECK(pre("2001:db8::/32").contains(ip("2001:db8:ffff::1")));
    CHECK_FALSE(pre("2001:db8::/32").contains(ip("2001:db9::1")));
    CHECK(pre("fe80::/10").contains(ip("febf::1")));
    CHECK_FALSE(pre("fe80::/10").contains(ip("fec0::1")));
    CHECK(pre("2001:db8::/63").contains(ip("2001:db8:0:1::5")));
    CHECK_FALSE(pre("2001:db8::/63").contains(ip("2001:db8:0:2::5")));
    CHECK(pre("::/0").contains(ip("ff02::1")));
    CHECK(pre("::1/128").contains(ip("::1")));
    CHECK_FALSE(pre("::1/127").contains(ip("::2")));
    // Families never match each other.
    CHECK_FALSE(pre("0.0.0.0/0").contains(ip("::1")));
    CHECK_FALSE(pre("::/0").contains(ip("1.2.3.4")));
}

TEST_CASE("prefix_bits_equal compares leading bits only", "[wire][address]") {
    const std::uint8_t a[] = {0xab, 0xcd, 0xf0};
    const std::uint8_t b[] = {0xab, 0xcd, 0xff};
    CHECK(prefix_bits_equal(a, b, 0));
    CHECK(prefix_bits_equal(a, b, 16));
    CHECK(prefix_bits_equal(a, b, 20));
    CHECK_FALSE(prefix_bits_equal(a, b, 21));
    CHECK_FALSE(prefix_bits_equal(a, b, 24));
}
