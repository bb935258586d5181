// The libc functions the shim forwards to, found with dlsym(RTLD_NEXT) on first use. Each
// RealFunction is constant-initialised (no constructor runs), so wrappers work before main and
// from other libraries' constructors; the lookup is idempotent, so racing threads at worst
// both look it up and store the same pointer.
#pragma once

#include <atomic>
#include <cerrno>
#include <dlfcn.h>

namespace multios::net::preload {

template <typename Fn>
class RealFunction {
  public:
    explicit constexpr RealFunction(const char* name) : name_(name) {}

    /// Calls the real function; -1 with ENOSYS if libc does not have it.
    template <typename... Args>
    auto operator()(Args... args) {
        Fn fn = fn_.load(std::memory_order_acquire);
        if (fn == nullptr) {
            fn = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, name_));
            fn_.store(fn, std::memory_order_release);
        }
        using Result = decltype(fn(args...));
        if (fn == nullptr) {
            errno = ENOSYS;
            return static_cast<Result>(-1);
        }
        return fn(args...);
    }

  private:
    const char* name_;
    std::atomic<Fn> fn_{nullptr};
};

} // namespace multios::net::preload
