#include "sim/pcap_writer.hpp"

#include <algorithm>
#include <array>
#include <cerrno>

namespace multios::net::sim {

namespace {
// The pcap file format is written little-endian (the magic tells readers the order);
// wire/bytes.hpp only has network-order helpers, hence these two.
void put_le16(std::byte* p, std::uint16_t v) {
    p[0] = static_cast<std::byte>(v);
    p[1] = static_cast<std::byte>(v >> 8);
}
void put_le32(std::byte* p, std::uint32_t v) {
    put_le16(p, static_cast<std::uint16_t>(v));
    put_le16(p + 2, static_cast<std::uint16_t>(v >> 16));
}

constexpr std::uint32_t kMagicNanoseconds = 0xa1b23c4d;
constexpr std::uint16_t kVersionMajor = 2, kVersionMinor = 4;
constexpr std::size_t kFileHeaderBytes = 24, kRecordHeaderBytes = 16;
} // namespace

Result<std::unique_ptr<PcapWriter>> PcapWriter::open(const std::string& path,
                                                     std::uint32_t snaplen) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) {
        return fail(errno);
    }
    std::unique_ptr<PcapWriter> w(new PcapWriter(f, snaplen));
    std::array<std::byte, kFileHeaderBytes> h{};
    put_le32(&h[0], kMagicNanoseconds);
    put_le16(&h[4], kVersionMajor);
    put_le16(&h[6], kVersionMinor);
    // [8..16): reserved (formerly thiszone and sigfigs), zero.
    put_le32(&h[16], snaplen);
    put_le32(&h[20], kLinkTypeEthernet);
    w->write(h);
    return w;
}

PcapWriter::~PcapWriter() {
    (void)close();
}

void PcapWriter::write(std::span<const std::byte> bytes) {
    if (file_ != nullptr && error_ == 0 &&
        std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) {
        error_ = errno != 0 ? errno : EIO;
    }
}

void PcapWriter::record(Duration since_start, std::span<const std::byte> frame) {
    const std::int64_t ns = std::max<std::int64_t>(since_start.count(), 0);
    const auto captured = static_cast<std::uint32_t>(std::min<std::size_t>(frame.size(), snaplen_));
    std::array<std::byte, kRecordHeaderBytes> h{};
    put_le32(&h[0], static_cast<std::uint32_t>(ns / 1'000'000'000));
    put_le32(&h[4], static_cast<std::uint32_t>(ns % 1'000'000'000));
    put_le32(&h[8], captured);
    put_le32(&h[12], static_cast<std::uint32_t>(frame.size()));
    write(h);
    write(frame.first(captured));
    ++records_;
}

Result<void> PcapWriter::close() {
    if (file_ == nullptr) {
        return {};
    }
    if (std::fclose(file_) != 0 && error_ == 0) {
        error_ = errno != 0 ? errno : EIO;
    }
    file_ = nullptr;
    if (error_ != 0) {
        return fail(error_);
    }
    return {};
}

} // namespace multios::net::sim
