// Result<T>: an expected-like return type for calls that can fail (g++ 12 in C++20 has no
// std::expected). Errors are std::error_code values in the generic (errno) category.
#pragma once

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

namespace multios::net {

/// Make an error code from an errno value (ECONNREFUSED, EAGAIN, ...).
inline std::error_code make_errno_error(int err) noexcept {
    return std::error_code(err, std::generic_category());
}

/// Tag for constructing a failed Result.
struct Failure {
    std::error_code code;
};
inline Failure fail(int err) noexcept {
    return Failure{make_errno_error(err)};
}
inline Failure fail(std::error_code ec) noexcept {
    return Failure{ec};
}

/// Either a value or an error code. `.value()` on an error aborts with a message: calling it
/// is an assertion that the call succeeded (as in the quick-start examples).
template <class T>
class [[nodiscard]] Result {
  public:
    Result(T v) : v_(std::in_place_index<0>, std::move(v)) {}
    Result(Failure f) : v_(std::in_place_index<1>, f.code) {}

    bool has_value() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    T& value() & {
        check();
        return std::get<0>(v_);
    }
    const T& value() const& {
        check();
        return std::get<0>(v_);
    }
    T&& value() && {
        check();
        return std::get<0>(std::move(v_));
    }
    T value_or(T other) const& { return has_value() ? std::get<0>(v_) : std::move(other); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    std::error_code error() const noexcept {
        return has_value() ? std::error_code{} : std::get<1>(v_);
    }

  private:
    void check() const {
        if (!has_value()) {
            std::fprintf(stderr, "multios::net: Result::value() called on error: %s\n",
                         std::get<1>(v_).message().c_str());
            std::abort();
        }
    }
    std::variant<T, std::error_code> v_;
};

/// Result of an operation that returns nothing on success.
template <>
class [[nodiscard]] Result<void> {
  public:
    Result() = default;
    Result(Failure f) : ec_(f.code) {}

    bool has_value() const noexcept { return !ec_; }
    explicit operator bool() const noexcept { return has_value(); }
    void value() const {
        if (ec_) {
            std::fprintf(stderr, "multios::net: Result::value() called on error: %s\n",
                         ec_.message().c_str());
            std::abort();
        }
    }
    std::error_code error() const noexcept { return ec_; }

  private:
    std::error_code ec_{};
};

} // namespace multios::net
