// A fixed-size byte array allocated on first use and left uninitialised. An idle connection
// never writes into its buffers, so it holds no allocation at all: with 1 MiB buffers each
// allocation would otherwise be its own mmap (a mapping, a page-table page and malloc's header
// page per buffer, and the process's mapping limit caps that at ~32k connections). Once
// allocated, the operating system still commits its pages only as data lands in them
// (std::vector would zero, and so touch, every page).
//
// The allocation happens once per buffer (the first write of a connection's life), never per
// segment: callers write through writable(), which allocates the first time only.
#pragma once

#include <cstddef>
#include <memory>

namespace multios::net::tcp {

class ByteStorage {
  public:
    /// Records the size; allocates nothing yet.
    explicit ByteStorage(std::size_t size) : size_(size) {}

    /// The bytes, allocating them on the first call (a one-time allocation per buffer).
    std::byte* writable() {
        if (!bytes_ && size_ != 0)
            bytes_.reset(new std::byte[size_]);
        return bytes_.get();
    }
    /// The bytes for reading; nullptr before the first writable(). Only bytes written through
    /// writable() may be read, so a reader that found any has an allocation to read from.
    const std::byte* data() const { return bytes_.get(); }
    std::size_t size() const { return size_; }
    bool allocated() const { return bytes_ != nullptr; }
    /// Frees the bytes (the size stays); the next writable() allocates again. For an owner
    /// that knows nothing it holds will be read again.
    void release() { bytes_.reset(); }

  private:
    std::unique_ptr<std::byte[]> bytes_;
    std::size_t size_;
};

} // namespace multios::net::tcp
