// merge_captures(): the per-lcore capture parts of --pcap merged by timestamp into one pcapng.
// Parts are written with Capture itself (no EAL needed) and read back with a minimal reader
// here, and with tshark when it is installed.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include <unistd.h>

#include "pmd_glue/capture.hpp"
#include "pmd_glue/capture_merge.hpp"
#include "pmd_glue/glue_error.hpp"

namespace multios::net::glue::capture_merge_test {

/// Wall-clock ns of Instant 0, shared by every part as the runtime shares one per run.
constexpr std::int64_t kOffsetNs = 1'700'000'000'000'000'000;
const std::vector<std::string> kInterfaces = {"net_ring0", "net_ring1"};

struct Packet {
    IfIndex ifindex;
    Direction dir;
    std::int64_t at_ns;
    std::size_t len;
    std::vector<std::byte> bytes = {};
};

/// An Ethernet frame with a local experimental ethertype (0x88B5) and a payload pattern that
/// tells the frames apart.
std::vector<std::byte> make_frame(std::size_t len, std::uint8_t tag) {
    std::vector<std::byte> f(len);
    for (std::size_t i = 0; i < len; ++i) {
        f[i] = static_cast<std::byte>(tag + i * 7);
    }
    f[0] = std::byte{0x02};
    f[12] = std::byte{0x88};
    f[13] = std::byte{0xB5};
    return f;
}

/// Gives each packet its bytes, then writes them all to one part file through Capture.
void write_part(const std::string& path, const std::vector<std::string>& names,
                std::vector<Packet>& packets, std::uint8_t tag) {
    auto cap = Capture::open_with_offset(path, names, kOffsetNs);
    REQUIRE(cap);
    for (auto& p : packets) {
        p.bytes = make_frame(p.len, tag++);
        (*cap)->record(p.ifindex, p.dir, instant_from_ns(p.at_ns), p.bytes);
    }
    REQUIRE((*cap)->errors() == 0);
}

std::vector<unsigned char> read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

void write_all(const std::string& path, const std::vector<unsigned char>& b) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

std::uint32_t get32(const std::vector<unsigned char>& b, std::size_t off) {
    return b[off] | (b[off + 1] << 8) | (b[off + 2] << 16) | (std::uint32_t{b[off + 3]} << 24);
}
std::uint16_t get16(const std::vector<unsigned char>& b, std::size_t off) {
    return static_cast<std::uint16_t>(b[off] | (b[off + 1] << 8));
}

struct Record {
    std::size_t offset;
    std::uint32_t ifindex;
    std::uint64_t ts;
    std::uint32_t flags = 0;
    std::vector<std::byte> data = {};
};

struct Parsed {
    int sections = 0;
    std::vector<std::string> interfaces;
    std::vector<Record> records;
};

/// The if_name option (code 2) of the IDB at `off`.
std::string interface_name(const std::vector<unsigned char>& b, std::size_t off, std::size_t len) {
    for (std::size_t o = off + 16; o + 4 <= off + len - 4 && get16(b, o) != 0;) {
        const std::uint16_t olen = get16(b, o + 2);
        if (get16(b, o) == 2) {
            return std::string(reinterpret_cast<const char*>(&b[o + 4]), olen);
        }
        o += 4 + ((olen + 3U) & ~3U);
    }
    return {};
}

Record packet_record(const std::vector<unsigned char>& b, std::size_t off, std::size_t len) {
    Record r{off, get32(b, off + 8),
             (std::uint64_t{get32(b, off + 12)} << 32) | get32(b, off + 16)};
    const std::uint32_t cap = get32(b, off + 20);
    const auto* p = reinterpret_cast<const std::byte*>(&b[off + 28]);
    r.data.assign(p, p + cap);
    const std::size_t o = off + 28 + ((cap + 3U) & ~3U);
    if (o + 8 <= off + len - 4 && get16(b, o) == 2) {
        r.flags = get32(b, o + 4);
    }
    return r;
}

/// Walks every block, checking the framing (§3.1) of each and that the file ends on a block.
Parsed parse(const std::string& path) {
    const auto b = read_all(path);
    Parsed out;
    std::size_t off = 0;
    while (off + 12 <= b.size()) {
        const std::uint32_t type = get32(b, off);
        const std::uint32_t len = get32(b, off + 4);
        REQUIRE(len % 4 == 0);
        REQUIRE(off + len <= b.size());
        REQUIRE(get32(b, off + len - 4) == len);
        if (type == 0x0A0D0D0A) {
            CHECK(get32(b, off + 8) == 0x1A2B3C4D);
            ++out.sections;
        } else if (type == 1) {
            CHECK(out.records.empty()); // interfaces come first
            out.interfaces.push_back(interface_name(b, off, len));
        } else if (type == 6) {
            out.records.push_back(packet_record(b, off, len));
        }
        off += len;
    }
    CHECK(off == b.size());
    return out;
}

/// Runs `fn` with stderr going to a temporary file; returns what it wrote there.
std::string stderr_of(const std::function<void()>& fn) {
    std::fflush(stderr);
    std::FILE* tmp = std::tmpfile();
    REQUIRE(tmp != nullptr);
    const int saved = dup(2);
    dup2(fileno(tmp), 2);
    fn();
    std::fflush(stderr);
    dup2(saved, 2);
    close(saved);
    std::rewind(tmp);
    std::string text;
    for (int c = std::fgetc(tmp); c != EOF; c = std::fgetc(tmp)) {
        text.push_back(static_cast<char>(c));
    }
    std::fclose(tmp);
    return text;
}

bool exists(const std::string& path) {
    return access(path.c_str(), F_OK) == 0;
}

/// Part and output paths of one test, removed at its end.
struct Files {
    std::string a = name("a");
    std::string b = name("b");
    std::string c = name("c");
    std::string out = name("out");
    static std::string name(const char* what) {
        return "/tmp/capmerge-" + std::to_string(getpid()) + "-" + what + ".pcapng";
    }
    ~Files() {
        for (const auto* p : {&a, &b, &c, &out}) {
            std::remove(p->c_str());
        }
    }
};

/// Two lcores' packets, interleaved in time, on both interfaces, with ties across the parts
/// (a's 3000 vs b's 3000) and inside one (a's two packets at 5000).
std::vector<Packet> lcore0() {
    return {{0, Direction::Rx, 1000, 60},
            {1, Direction::Tx, 3000, 61},
            {0, Direction::Tx, 5000, 1514},
            {1, Direction::Rx, 5000, 64},
            {0, Direction::Rx, 9000, 63}};
}
std::vector<Packet> lcore1() {
    return {{1, Direction::Rx, 2000, 62}, {0, Direction::Tx, 3000, 200},
            {0, Direction::Rx, 4000, 61}, {1, Direction::Tx, 7000, 9000},
            {1, Direction::Rx, 8000, 65}, {0, Direction::Tx, 10000, 100}};
}

/// The order merge_captures() must produce: by time, ties in part order (std::merge is stable).
std::vector<Packet> merged(const std::vector<Packet>& a, const std::vector<Packet>& b) {
    std::vector<Packet> all;
    std::merge(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(all),
               [](const Packet& x, const Packet& y) { return x.at_ns < y.at_ns; });
    return all;
}

void check_records(const Parsed& got, const std::vector<Packet>& want) {
    CHECK(got.sections == 1);
    CHECK(got.interfaces == kInterfaces);
    REQUIRE(got.records.size() == want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
        INFO("record " << i);
        CHECK(got.records[i].ts == static_cast<std::uint64_t>(kOffsetNs + want[i].at_ns));
        CHECK(got.records[i].ifindex == want[i].ifindex);
        CHECK(got.records[i].flags == (want[i].dir == Direction::Rx ? 1U : 2U));
        CHECK(got.records[i].data == want[i].bytes);
        if (i > 0) {
            CHECK(got.records[i - 1].ts <= got.records[i].ts);
        }
    }
}

/// "interface_id<TAB>len" per frame as tshark reads the file, and any complaint it prints.
std::vector<std::string> tshark_lines(const std::string& path, int& status) {
    const std::string cmd =
        "/usr/bin/tshark -r " + path + " -T fields -e frame.interface_id -e frame.len 2>&1";
    std::FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    std::vector<std::string> lines;
    std::string line;
    for (int c = std::fgetc(p); c != EOF; c = std::fgetc(p)) {
        if (c == '\n') {
            // tshark's note about running as root is no complaint about the file.
            if (line.rfind("Running as user", 0) != 0) {
                lines.push_back(line);
            }
            line.clear();
        } else {
            line.push_back(static_cast<char>(c));
        }
    }
    status = pclose(p);
    return lines;
}

Result<void> merge_quietly(const std::vector<std::string>& parts, const std::string& out,
                           std::string& warnings) {
    Result<void> r;
    warnings = stderr_of([&] { r = merge_captures(parts, out); });
    return r;
}

/// Runs a merge that must fail; returns last_error() and checks `out` was not left behind.
std::string merge_error(const std::vector<std::string>& parts, const std::string& out) {
    if (std::find(parts.begin(), parts.end(), out) == parts.end()) {
        std::remove(out.c_str());
    }
    auto r = merge_captures(parts, out);
    CHECK_FALSE(r);
    if (std::find(parts.begin(), parts.end(), out) == parts.end()) {
        CHECK_FALSE(exists(out));
    }
    return last_error();
}

} // namespace multios::net::glue::capture_merge_test

using namespace multios::net;
using namespace multios::net::glue;
using namespace multios::net::glue::capture_merge_test;
using Catch::Matchers::Contains;

TEST_CASE("merge_captures interleaves two lcores' parts by timestamp", "[glue][capture]") {
    Files files;
    auto a = lcore0();
    auto b = lcore1();
    write_part(files.a, kInterfaces, a, 0x10);
    write_part(files.b, kInterfaces, b, 0x80);
    std::string warnings;
    REQUIRE(merge_quietly({files.a, files.b}, files.out, warnings));
    CHECK(warnings.empty());
    const auto want = merged(a, b);
    check_records(parse(files.out), want);

    if (access("/usr/bin/tshark", X_OK) == 0) {
        int status = -1;
        const auto lines = tshark_lines(files.out, status);
        std::string text;
        for (const auto& l : lines) {
            text += l + "\n";
        }
        INFO("tshark printed:\n" << text);
        CHECK(status == 0);
        REQUIRE(lines.size() == want.size()); // also: no "cut short" or other complaint
        for (std::size_t i = 0; i < want.size(); ++i) {
            CHECK(lines[i] == std::to_string(want[i].ifindex) + "\t" + std::to_string(want[i].len));
        }
    } else {
        WARN("tshark not installed: skipped reading the merged file with it");
    }
}

TEST_CASE("merge_captures takes a lone part, and a part without packets", "[glue][capture]") {
    Files files;
    auto a = lcore0();
    std::vector<Packet> none;
    write_part(files.a, kInterfaces, a, 0x10);
    write_part(files.b, kInterfaces, none, 0x80);
    std::string warnings;
    REQUIRE(merge_quietly({files.a}, files.out, warnings));
    check_records(parse(files.out), a);
    REQUIRE(merge_quietly({files.b, files.a}, files.out, warnings));
    check_records(parse(files.out), a);
    CHECK(warnings.empty());
}

TEST_CASE("merge_captures drops a part's truncated last block with a warning", "[glue][capture]") {
    Files files;
    auto a = lcore0();
    auto b = lcore1();
    write_part(files.a, kInterfaces, a, 0x10);
    write_part(files.b, kInterfaces, b, 0x80);
    const auto whole = read_all(files.b);
    const auto blocks = parse(files.b).records;
    REQUIRE(blocks.size() == b.size());

    // Cut inside a packet's body (the writer killed mid-write): it and what follows are gone.
    for (std::size_t kept : {std::size_t{5}, std::size_t{2}}) {
        INFO("packets kept " << kept);
        const std::size_t cut = blocks[kept].offset + 40;
        write_all(files.b, {whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(cut)});
        std::string warnings;
        REQUIRE(merge_quietly({files.a, files.b}, files.out, warnings));
        CHECK_THAT(warnings, Contains(files.b) && Contains("truncated block") &&
                                 Contains("offset " + std::to_string(blocks[kept].offset)));
        check_records(parse(files.out),
                      merged(a, std::vector<Packet>(b.begin(), b.begin() + kept)));
    }

    // Cut inside a block's 8-byte header.
    write_all(files.b,
              {whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(blocks[3].offset + 3)});
    std::string warnings;
    REQUIRE(merge_quietly({files.a, files.b}, files.out, warnings));
    CHECK_THAT(warnings, Contains(files.b) && Contains("block header"));
    check_records(parse(files.out), merged(a, std::vector<Packet>(b.begin(), b.begin() + 3)));
}

TEST_CASE("merge_captures fails on a missing, foreign or mismatched part, naming it",
          "[glue][capture]") {
    Files files;
    auto a = lcore0();
    auto b = lcore1();
    write_part(files.a, kInterfaces, a, 0x10);
    write_part(files.b, kInterfaces, b, 0x80);
    const auto good = read_all(files.b);

    SECTION("missing part") {
        const std::string missing = Files::name("missing");
        CHECK_THAT(merge_error({files.a, missing}, files.out),
                   Contains(missing) && Contains("No such file"));
        CHECK(merge_captures({missing}, files.out).error() ==
              std::make_error_code(std::errc::no_such_file_or_directory));
    }
    SECTION("not pcapng") {
        std::ofstream(files.c) << "just some text, not a capture\n";
        CHECK_THAT(merge_error({files.a, files.c}, files.out),
                   Contains(files.c) && Contains("not a pcapng file"));
        write_all(files.c, {});
        CHECK_THAT(merge_error({files.c, files.a}, files.out),
                   Contains(files.c) && Contains("not a pcapng file"));
    }
    SECTION("big-endian part") {
        auto swapped = good;
        const unsigned char be_magic[4] = {0x1A, 0x2B, 0x3C, 0x4D};
        std::copy(std::begin(be_magic), std::end(be_magic), swapped.begin() + 8);
        write_all(files.c, swapped);
        CHECK_THAT(merge_error({files.a, files.c}, files.out),
                   Contains(files.c) && Contains("big-endian"));
    }
    SECTION("different interface names") {
        std::vector<Packet> none;
        write_part(files.c, {"net_ring0", "net_tap0"}, none, 0);
        CHECK_THAT(merge_error({files.a, files.c}, files.out),
                   Contains(files.c) && Contains("different interfaces") && Contains(files.a) &&
                       Contains("'net_ring1' there and 'net_tap0' here"));
    }
    SECTION("more or fewer interfaces") {
        std::vector<Packet> none;
        write_part(files.c, {"net_ring0", "net_ring1", "net_null0"}, none, 0);
        CHECK_THAT(merge_error({files.a, files.c}, files.out),
                   Contains(files.c) && Contains("different interfaces"));
        write_part(files.c, {"net_ring0"}, none, 0);
        CHECK_THAT(merge_error({files.a, files.c}, files.out),
                   Contains(files.c) && Contains("1 instead of 2"));
    }
    SECTION("truncated section header") {
        write_all(files.c, {good.begin(), good.begin() + 20});
        CHECK_THAT(merge_error({files.a, files.c}, files.out),
                   Contains(files.c) && Contains("truncated section header"));
    }
    SECTION("corrupt block in the middle") {
        const auto blocks = parse(files.b).records;
        auto bad = good;
        bad[blocks[2].offset - 4] ^= 0x04; // trailing length of packet 1
        write_all(files.c, bad);
        CHECK_THAT(merge_error({files.a, files.c}, files.out),
                   Contains(files.c) && Contains("corrupt block"));
        bad = good;
        bad[blocks[1].offset + 4] = 0xFF; // a length that is no multiple of 4
        write_all(files.c, bad);
        CHECK_THAT(merge_error({files.a, files.c}, files.out),
                   Contains(files.c) && Contains("invalid length"));
    }
    SECTION("packet on an unknown interface") {
        const auto blocks = parse(files.b).records;
        auto bad = good;
        bad[blocks[0].offset + 8] = 7;
        write_all(files.c, bad);
        CHECK_THAT(merge_error({files.a, files.c}, files.out),
                   Contains(files.c) && Contains("interface 7 of 2"));
    }
    SECTION("output is one of the parts, or no parts") {
        CHECK_THAT(merge_error({files.a, files.b}, files.b), Contains("is one of the parts"));
        CHECK(exists(files.b)); // untouched
        CHECK(read_all(files.b) == good);
        CHECK_THAT(merge_error({}, files.out), Contains("no capture parts"));
    }
}
