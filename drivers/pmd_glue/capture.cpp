// pcapng writer. All fields are written little-endian with the byte-order magic 0x1A2B3C4D
// (SHB §4.1), so readers on any host detect the order. Blocks are padded to 32 bits.
#include "pmd_glue/capture.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>

#include <fmt/format.h>

#include "pmd_glue/glue_error.hpp"
#include "pmd_glue/pcapng_format.hpp"

namespace multios::net::glue {

namespace {

using pcapng::kByteOrderMagic;
using pcapng::kEnhancedPacket;
using pcapng::kInterfaceDescription;
using pcapng::kSectionHeader;
using pcapng::store_le32;
constexpr std::uint16_t kLinktypeEthernet = 1;
constexpr std::uint16_t kOptEnd = 0;
constexpr std::uint16_t kOptShbUserAppl = 4;
constexpr std::uint16_t kOptIfName = 2;
constexpr std::uint16_t kOptIfTsresol = 9;
constexpr std::uint16_t kOptEpbFlags = 2;
constexpr std::uint8_t kTsresolNanoseconds = 9; // 10^-9 s
constexpr std::uint32_t kMaxCaptured = 65535;   // snaplen we announce per interface
constexpr std::size_t kBufferBytes = 1 << 20;

/// Appends little-endian fields and options to a block body.
class BlockWriter {
  public:
    explicit BlockWriter(std::vector<std::byte>& buf) : buf_(buf) { buf_.clear(); }
    void u8(std::uint8_t v) { buf_.push_back(static_cast<std::byte>(v)); }
    void u16(std::uint16_t v) {
        u8(static_cast<std::uint8_t>(v));
        u8(static_cast<std::uint8_t>(v >> 8));
    }
    void u32(std::uint32_t v) {
        u16(static_cast<std::uint16_t>(v));
        u16(static_cast<std::uint16_t>(v >> 16));
    }
    void bytes(std::span<const std::byte> b) { buf_.insert(buf_.end(), b.begin(), b.end()); }
    void pad() {
        while (buf_.size() % 4 != 0) {
            u8(0);
        }
    }
    void option(std::uint16_t code, std::span<const std::byte> value) {
        u16(code);
        u16(static_cast<std::uint16_t>(value.size()));
        bytes(value);
        pad();
    }
    void end_options() {
        u16(kOptEnd);
        u16(0);
    }

  private:
    std::vector<std::byte>& buf_;
};

std::span<const std::byte> text_bytes(const std::string& s) {
    return std::as_bytes(std::span<const char>(s.data(), s.size()));
}

std::int64_t realtime_ns() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

} // namespace

std::int64_t Capture::realtime_offset_ns(Instant now) {
    return realtime_ns() - to_ns(now);
}

Result<std::unique_ptr<Capture>>
Capture::open(const std::string& path, const std::vector<std::string>& if_names, Instant now) {
    return open_with_offset(path, if_names, realtime_offset_ns(now));
}

Result<std::unique_ptr<Capture>> Capture::open_with_offset(const std::string& path,
                                                           const std::vector<std::string>& if_names,
                                                           std::int64_t offset_ns) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) {
        int err = errno;
        return glue_fail(err, fmt::format("multios-net: cannot create capture file '{}': {}", path,
                                          std::strerror(err)));
    }
    std::unique_ptr<Capture> cap(new Capture(f, if_names.size(), offset_ns));
    BlockWriter shb(cap->block_);
    shb.u32(kByteOrderMagic);
    shb.u16(1);          // major version
    shb.u16(0);          // minor version
    shb.u32(0xFFFFFFFF); // section length: unknown (64-bit -1)
    shb.u32(0xFFFFFFFF);
    shb.option(kOptShbUserAppl, text_bytes("multios-net"));
    shb.end_options();
    cap->write_block(kSectionHeader, cap->block_);
    for (const auto& name : if_names) {
        BlockWriter idb(cap->block_);
        idb.u16(kLinktypeEthernet);
        idb.u16(0); // reserved
        idb.u32(kMaxCaptured);
        idb.option(kOptIfName, text_bytes(name));
        const std::byte resol[1] = {std::byte{kTsresolNanoseconds}};
        idb.option(kOptIfTsresol, resol);
        idb.end_options();
        cap->write_block(kInterfaceDescription, cap->block_);
    }
    if (std::ferror(f) != 0) {
        return glue_fail(EIO, fmt::format("multios-net: cannot write capture file '{}'", path));
    }
    return cap;
}

Capture::Capture(std::FILE* file, std::size_t interfaces, std::int64_t offset_ns)
    : file_(file), interfaces_(interfaces), realtime_offset_ns_(offset_ns) {
    // Reserve once so that record() never reallocates (a 64 KiB frame plus headers).
    block_.reserve(kMaxCaptured + 64);
    std::setvbuf(file_, nullptr, _IOFBF, kBufferBytes);
}

Capture::~Capture() {
    std::fflush(file_);
    std::fclose(file_);
}

void Capture::write_block(std::uint32_t type, std::span<const std::byte> body) {
    // Block = type, total length, body, total length again (§3.1).
    const std::uint32_t total = static_cast<std::uint32_t>(body.size()) + 12;
    std::array<std::byte, 8> head{};
    store_le32(head.data(), type);
    store_le32(head.data() + 4, total);
    std::fwrite(head.data(), 1, head.size(), file_);
    std::fwrite(body.data(), 1, body.size(), file_);
    std::fwrite(head.data() + 4, 1, 4, file_);
}

void Capture::record(IfIndex ifindex, Direction dir, Instant at, std::span<const std::byte> frame) {
    if (ifindex >= interfaces_) {
        ++errors_;
        return;
    }
    const std::uint32_t captured =
        static_cast<std::uint32_t>(std::min<std::size_t>(frame.size(), kMaxCaptured));
    const auto ts = static_cast<std::uint64_t>(to_ns(at) + realtime_offset_ns_);
    BlockWriter epb(block_);
    epb.u32(ifindex);
    epb.u32(static_cast<std::uint32_t>(ts >> 32));
    epb.u32(static_cast<std::uint32_t>(ts));
    epb.u32(captured);
    epb.u32(static_cast<std::uint32_t>(frame.size()));
    epb.bytes(frame.first(captured));
    epb.pad();
    // epb_flags bits 0-1: 01 inbound, 10 outbound (§4.3.1).
    const std::uint32_t flags = dir == Direction::Rx ? 1U : 2U;
    std::array<std::byte, 4> fl{};
    store_le32(fl.data(), flags);
    epb.option(kOptEpbFlags, fl);
    epb.end_options();
    write_block(kEnhancedPacket, block_);
    if (std::ferror(file_) != 0) {
        ++errors_;
        return;
    }
    ++records_;
}

void Capture::flush() {
    std::fflush(file_);
}

} // namespace multios::net::glue
