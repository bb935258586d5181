// Merging the per-lcore capture part files into the one pcapng the user asked for with --pcap.
// Each lcore owns its own Capture (no shared writer on the data path); at shutdown the parts
// are merged here, by timestamp. Format: IETF draft-ietf-opsawg-pcapng.
#pragma once

#include <string>
#include <vector>

#include <multios/net/result.hpp>

namespace multios::net::glue {

/// Merges capture part files written by Capture (same interfaces in the same order; the EPBs
/// of each part in non-decreasing timestamp order) into one pcapng at `out`: the first part's
/// SHB and IDBs, then every EPB of every part in timestamp order (a k-way merge; ties keep part
/// order). Streams: one block per part in memory, never a whole file. Blocks other than
/// SHB/IDB/EPB are skipped. The parts' timestamps must share one Instant-to-wall-clock offset
/// (Capture::open_with_offset) for the order across parts to be exact.
///
/// Fails, with a last_error() line naming the file and the problem, when a part is missing,
/// is not pcapng, has a foreign byte order, a corrupt or truncated header block, a corrupt
/// block, or interfaces that differ from the first part's; `out` is then not left behind.
/// A truncated last block of a part (the writer was killed mid-write) is dropped with a
/// warning on stderr, not a failure.
Result<void> merge_captures(const std::vector<std::string>& parts, const std::string& out);

} // namespace multios::net::glue
