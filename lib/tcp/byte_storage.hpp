// A fixed-size byte array allocated once and left uninitialised, so the operating system
// commits its pages only when data first lands in them: a connection with a 1 MiB buffer that
// only ever holds a few KiB costs a few KiB of memory (std::vector would zero, and so touch,
// every page at construction).
#pragma once

#include <cstddef>
#include <memory>

namespace multios::net::tcp {

class ByteStorage {
  public:
    explicit ByteStorage(std::size_t size)
        : bytes_(size ? new std::byte[size] : nullptr), size_(size) {}
    std::byte* data() { return bytes_.get(); }
    const std::byte* data() const { return bytes_.get(); }
    std::size_t size() const { return size_; }
    std::byte* begin() { return data(); }
    std::byte* end() { return data() + size_; }
    const std::byte* begin() const { return data(); }
    const std::byte* end() const { return data() + size_; }

  private:
    std::unique_ptr<std::byte[]> bytes_;
    std::size_t size_;
};

} // namespace multios::net::tcp
