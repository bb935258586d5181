// k-way merge of capture parts. Each part is read block by block through a buffered FILE*
// (only its current block in memory); the part whose head packet has the smallest timestamp
// is copied to the output next. Blocks are copied verbatim: the parts carry identical
// interface lists, so interface ids and timestamp resolutions need no rewriting.
// Format: IETF draft-ietf-opsawg-pcapng (§3.1 block structure, §4.1 SHB, §4.2 IDB, §4.3 EPB).
#include "pmd_glue/capture_merge.hpp"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <span>
#include <string_view>

#include <fmt/format.h>
#include <sys/stat.h>

#include "pmd_glue/glue_error.hpp"
#include "pmd_glue/pcapng_format.hpp"

namespace multios::net::glue {

namespace {

using namespace pcapng;

/// Larger than any block Capture writes (a 64 KiB frame plus 80 bytes, an IDB with a name of
/// at most 64 KiB): bounds the memory per part against a corrupt length field.
constexpr std::size_t kMaxBlockBytes = 256 * 1024;
constexpr std::size_t kPartBufferBytes = 64 * 1024;
constexpr std::size_t kOutBufferBytes = 1 << 20;
constexpr std::uint16_t kOptEnd = 0;
constexpr std::uint16_t kOptIfName = 2;
constexpr std::size_t kIdbOptionsOffset = 16; ///< Block header + linktype, reserved, snaplen.

Failure merge_fail(int code, std::string_view path, std::string_view problem) {
    return glue_fail(code,
                     fmt::format("multios-net: cannot merge captures: '{}' {}", path, problem));
}

enum class ReadStatus { Block, End, Truncated };

/// One part file, read one block at a time. Checks the framing of every block (§3.1: length a
/// multiple of 4, at least 12, repeated at the end) but not the block contents.
class PartReader {
  public:
    static Result<std::unique_ptr<PartReader>> open(const std::string& path);
    ~PartReader() { std::fclose(file_); }
    PartReader(const PartReader&) = delete;
    PartReader& operator=(const PartReader&) = delete;

    /// Reads the next block. Truncated: the file ends inside it (see truncated_bytes()).
    Result<ReadStatus> next();

    std::span<const std::byte> block() const { return block_; }
    std::uint32_t type() const { return load_le32(block_.data()); }
    std::uint64_t offset() const { return offset_; }
    const std::string& path() const { return path_; }
    /// For a Truncated read: bytes present, and bytes announced (0 when the length was cut).
    std::size_t truncated_have() const { return truncated_have_; }
    std::size_t truncated_want() const { return truncated_want_; }

  private:
    PartReader(std::FILE* file, std::string path) : file_(file), path_(std::move(path)) {}
    Result<void> check_section_header();
    Result<ReadStatus> short_read(std::size_t have, std::size_t want);

    std::FILE* file_;
    std::string path_;
    std::vector<std::byte> block_; ///< The current block, whole (header and trailer too).
    std::uint64_t offset_ = 0;     ///< File offset of the current block.
    std::uint64_t next_offset_ = 0;
    std::size_t truncated_have_ = 0;
    std::size_t truncated_want_ = 0;
};

Result<std::unique_ptr<PartReader>> PartReader::open(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
        int err = errno;
        return merge_fail(err, path, fmt::format("cannot be opened: {}", std::strerror(err)));
    }
    std::unique_ptr<PartReader> reader(new PartReader(f, path));
    std::setvbuf(f, nullptr, _IOFBF, kPartBufferBytes);
    if (auto ok = reader->check_section_header(); !ok) {
        return fail(ok.error());
    }
    return reader;
}

/// The first block must be a section header in our byte order (§4.1). Its type and magic are
/// checked before its length, so that a foreign file gets a clear message, not "bad length".
Result<void> PartReader::check_section_header() {
    std::byte head[kBlockHeaderBytes + 4];
    const std::size_t got = std::fread(head, 1, sizeof head, file_);
    if (got < sizeof head || load_le32(head) != kSectionHeader) {
        return merge_fail(EINVAL, path_, "is not a pcapng file (no section header block)");
    }
    const std::uint32_t magic = load_le32(head + kBlockHeaderBytes);
    if (magic == kByteOrderMagicSwapped) {
        return merge_fail(EINVAL, path_,
                          "is a big-endian pcapng section; only little-endian captures, as "
                          "multios-net writes them, can be merged");
    }
    if (magic != kByteOrderMagic) {
        return merge_fail(EINVAL, path_,
                          fmt::format("is not a pcapng file (byte-order magic {:#010x})", magic));
    }
    // Re-read it as an ordinary block; the stream is only at offset 12.
    std::rewind(file_);
    auto first = next();
    if (!first) {
        return fail(first.error());
    }
    if (*first != ReadStatus::Block || block_.size() < kBlockOverheadBytes + kShbFixedBytes) {
        return merge_fail(EINVAL, path_, "has a truncated section header block");
    }
    if (load_le16(block_.data() + kShbMajorOffset) != kMajorVersion) {
        return merge_fail(EINVAL, path_,
                          fmt::format("has pcapng major version {}, only {} is known",
                                      load_le16(block_.data() + kShbMajorOffset), kMajorVersion));
    }
    return {};
}

Result<ReadStatus> PartReader::short_read(std::size_t have, std::size_t want) {
    if (std::ferror(file_) != 0) {
        return merge_fail(EIO, path_, fmt::format("cannot be read at offset {}", offset_));
    }
    if (have == 0) {
        return ReadStatus::End;
    }
    truncated_have_ = have;
    truncated_want_ = want;
    return ReadStatus::Truncated;
}

Result<ReadStatus> PartReader::next() {
    offset_ = next_offset_;
    block_.resize(kBlockHeaderBytes);
    std::size_t got = std::fread(block_.data(), 1, kBlockHeaderBytes, file_);
    if (got < kBlockHeaderBytes) {
        return short_read(got, 0);
    }
    const std::uint32_t total = load_le32(block_.data() + 4);
    if (total < kBlockOverheadBytes || total % 4 != 0 || total > kMaxBlockBytes) {
        return merge_fail(
            EINVAL, path_,
            fmt::format("has a block with an invalid length {} at offset {}", total, offset_));
    }
    block_.resize(total);
    got = std::fread(block_.data() + kBlockHeaderBytes, 1, total - kBlockHeaderBytes, file_);
    if (got < total - kBlockHeaderBytes) {
        return short_read(kBlockHeaderBytes + got, total);
    }
    if (load_le32(block_.data() + total - 4) != total) {
        return merge_fail(
            EINVAL, path_,
            fmt::format("has a corrupt block at offset {} (its two lengths differ)", offset_));
    }
    next_offset_ += total;
    return ReadStatus::Block;
}

void warn_truncated(const PartReader& r) {
    const std::string want = r.truncated_want() == 0
                                 ? std::string("a block header")
                                 : fmt::format("a {}-byte block", r.truncated_want());
    fmt::print(stderr,
               "multios-net: warning: capture part '{}' ends in a truncated block at offset {} "
               "({} bytes of {}; was the writer killed?): block dropped\n",
               r.path(), r.offset(), r.truncated_have(), want);
}

/// The if_name option of an IDB (§4.2), for messages; "" if it has none.
std::string idb_name(std::span<const std::byte> idb) {
    std::size_t o = kIdbOptionsOffset;
    const std::size_t end = idb.size() - 4;
    while (o + 4 <= end) {
        const std::uint16_t code = load_le16(idb.data() + o);
        const std::uint16_t len = load_le16(idb.data() + o + 2);
        if (code == kOptEnd || o + 4 + len > end) {
            break;
        }
        if (code == kOptIfName) {
            return std::string(reinterpret_cast<const char*>(idb.data() + o + 4), len);
        }
        o += 4 + ((len + 3U) & ~3U);
    }
    return {};
}

/// A part in the merge: its reader, the timestamp of its head packet, whether it is used up.
struct Part {
    std::unique_ptr<PartReader> reader;
    std::size_t interfaces = 0;
    std::uint64_t head_ts = 0;
    bool done = false;
    bool order_warned = false;
};

/// The first part's SHB and IDBs: written to the output and compared with the other parts'.
struct Reference {
    std::string path;
    std::vector<std::byte> section_header;
    std::vector<std::vector<std::byte>> interfaces;
};

std::uint64_t epb_timestamp(std::span<const std::byte> b) {
    return (std::uint64_t{load_le32(b.data() + kEpbTsHighOffset)} << 32) |
           load_le32(b.data() + kEpbTsLowOffset);
}

/// Checks the current block, an EPB, against the part's interfaces (§4.3) and takes its
/// timestamp as the part's head.
Result<void> take_packet(Part& p) {
    const PartReader& r = *p.reader;
    const auto b = r.block();
    if (b.size() < kBlockOverheadBytes + kEpbFixedBytes ||
        load_le32(b.data() + kEpbCapturedOffset) >
            b.size() - kBlockOverheadBytes - kEpbFixedBytes) {
        return merge_fail(EINVAL, r.path(),
                          fmt::format("has a malformed packet block at offset {}", r.offset()));
    }
    const std::uint32_t ifindex = load_le32(b.data() + kEpbInterfaceOffset);
    if (ifindex >= p.interfaces) {
        return merge_fail(EINVAL, r.path(),
                          fmt::format("has a packet at offset {} on interface {} of {}", r.offset(),
                                      ifindex, p.interfaces));
    }
    const std::uint64_t ts = epb_timestamp(b);
    if (ts < p.head_ts && !p.order_warned) {
        // The merge stays correct block by block; only this part's own disorder remains.
        fmt::print(stderr,
                   "multios-net: warning: capture part '{}' is not in timestamp order at offset "
                   "{}: the merged file will not be either\n",
                   r.path(), r.offset());
        p.order_warned = true;
    }
    p.head_ts = ts;
    return {};
}

/// Moves the part to its next packet, skipping blocks other than EPBs; marks it done at its
/// end (a truncated last block is dropped with a warning).
Result<void> advance(Part& p) {
    PartReader& r = *p.reader;
    for (;;) {
        auto status = r.next();
        if (!status) {
            return fail(status.error());
        }
        if (*status != ReadStatus::Block) {
            if (*status == ReadStatus::Truncated) {
                warn_truncated(r);
            }
            p.done = true;
            return {};
        }
        if (r.type() == kEnhancedPacket) {
            return take_packet(p);
        }
        if (r.type() == kSectionHeader || r.type() == kInterfaceDescription) {
            return merge_fail(
                EINVAL, r.path(),
                fmt::format("has a {} block after its packets at offset {}; only "
                            "one section with all interfaces first is supported",
                            r.type() == kSectionHeader ? "section header" : "interface description",
                            r.offset()));
        }
    }
}

/// Compares the part's `index`-th IDB with the reference's.
Result<void> check_interface(const Reference& ref, const PartReader& r, std::size_t index) {
    const auto idb = r.block();
    if (index >= ref.interfaces.size()) {
        return merge_fail(EINVAL, r.path(),
                          fmt::format("has different interfaces than '{}': more than {} ('{}')",
                                      ref.path, ref.interfaces.size(), idb_name(idb)));
    }
    const auto& want = ref.interfaces[index];
    if (want.size() != idb.size() || std::memcmp(want.data(), idb.data(), idb.size()) != 0) {
        return merge_fail(EINVAL, r.path(),
                          fmt::format("has different interfaces than '{}': interface {} is '{}' "
                                      "there and '{}' here",
                                      ref.path, index, idb_name(want), idb_name(idb)));
    }
    return {};
}

/// Reads a part's IDBs up to its first packet. With `ref` empty (the first part) they become
/// the reference; otherwise they must equal it.
Result<void> read_interfaces(Part& p, Reference& ref, bool first) {
    PartReader& r = *p.reader;
    if (first) {
        ref.path = r.path();
        ref.section_header.assign(r.block().begin(), r.block().end());
    }
    for (;;) {
        auto status = r.next();
        if (!status) {
            return fail(status.error());
        }
        if (*status == ReadStatus::Truncated) {
            warn_truncated(r);
        }
        if (*status != ReadStatus::Block) {
            p.done = true;
            break;
        }
        if (r.type() == kEnhancedPacket) {
            break;
        }
        if (r.type() == kSectionHeader) {
            return merge_fail(EINVAL, r.path(),
                              fmt::format("has a second section header at offset {}; one "
                                          "section per part is supported",
                                          r.offset()));
        }
        if (r.type() != kInterfaceDescription) {
            continue;
        }
        if (first) {
            ref.interfaces.emplace_back(r.block().begin(), r.block().end());
        } else if (auto same = check_interface(ref, r, p.interfaces); !same) {
            return same;
        }
        ++p.interfaces;
    }
    if (p.interfaces != ref.interfaces.size()) {
        return merge_fail(EINVAL, r.path(),
                          fmt::format("has different interfaces than '{}': {} instead of {}",
                                      ref.path, p.interfaces, ref.interfaces.size()));
    }
    return p.done ? Result<void>{} : take_packet(p);
}

/// Opens every part and checks its header, before the output is created.
Result<void> open_parts(const std::vector<std::string>& paths, std::vector<Part>& parts,
                        Reference& ref) {
    parts.reserve(paths.size());
    for (const auto& path : paths) {
        auto reader = PartReader::open(path);
        if (!reader) {
            return fail(reader.error());
        }
        parts.push_back(Part{std::move(*reader)});
        if (auto ok = read_interfaces(parts.back(), ref, parts.size() == 1); !ok) {
            return ok;
        }
    }
    return {};
}

/// `out` must not be one of the parts: it is truncated before they are read.
Result<void> check_output_path(const std::vector<std::string>& paths, const std::string& out) {
    struct stat out_st {};
    if (::stat(out.c_str(), &out_st) != 0) {
        return {}; // does not exist yet: cannot be a part
    }
    for (const auto& path : paths) {
        struct stat st {};
        if (::stat(path.c_str(), &st) == 0 && st.st_dev == out_st.st_dev &&
            st.st_ino == out_st.st_ino) {
            return merge_fail(EINVAL, out, fmt::format("is one of the parts ('{}')", path));
        }
    }
    return {};
}

void write_block(std::FILE* f, std::span<const std::byte> block) {
    std::fwrite(block.data(), 1, block.size(), f);
}

/// The k-way merge proper. k is the number of lcores (a few): a linear scan for the smallest
/// head is cheaper than a heap here, and the strict '<' keeps part order on ties.
Result<void> merge_packets(std::vector<Part>& parts, std::FILE* f) {
    for (;;) {
        Part* best = nullptr;
        for (auto& p : parts) {
            if (!p.done && (best == nullptr || p.head_ts < best->head_ts)) {
                best = &p;
            }
        }
        if (best == nullptr) {
            return {};
        }
        write_block(f, best->reader->block());
        if (auto ok = advance(*best); !ok) {
            return ok;
        }
    }
}

Result<void> write_output(std::vector<Part>& parts, const Reference& ref, const std::string& out) {
    std::FILE* f = std::fopen(out.c_str(), "wb");
    if (f == nullptr) {
        int err = errno;
        return merge_fail(err, out, fmt::format("cannot be created: {}", std::strerror(err)));
    }
    std::setvbuf(f, nullptr, _IOFBF, kOutBufferBytes);
    errno = 0; // so that a write error below reports its own cause
    write_block(f, ref.section_header);
    for (const auto& idb : ref.interfaces) {
        write_block(f, idb);
    }
    auto merged = merge_packets(parts, f);
    const bool write_error = std::ferror(f) != 0;
    const bool close_error = std::fclose(f) != 0;
    if (merged && (write_error || close_error)) {
        int err = errno != 0 ? errno : EIO;
        merged = merge_fail(err, out, fmt::format("cannot be written: {}", std::strerror(err)));
    }
    if (!merged) {
        std::remove(out.c_str()); // no half-merged file that looks complete
    }
    return merged;
}

} // namespace

Result<void> merge_captures(const std::vector<std::string>& parts, const std::string& out) {
    if (parts.empty()) {
        return merge_fail(EINVAL, out, "has no capture parts to merge from");
    }
    if (auto ok = check_output_path(parts, out); !ok) {
        return ok;
    }
    std::vector<Part> readers;
    Reference ref;
    if (auto ok = open_parts(parts, readers, ref); !ok) {
        return ok;
    }
    return write_output(readers, ref, out);
}

} // namespace multios::net::glue
