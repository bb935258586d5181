// A non-owning reference to a callable: like std::function without allocation, for callbacks
// on the packet path (e.g. "write the upper-layer message here").
#pragma once

#include <memory>
#include <type_traits>
#include <utility>

namespace multios::net {

template <class Sig>
class FunctionRef;

template <class R, class... Args>
class FunctionRef<R(Args...)> {
  public:
    template <class F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, FunctionRef>) FunctionRef(F&& f)
    noexcept
        : obj_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
          call_([](void* o, Args... a) -> R {
              return (*static_cast<std::remove_reference_t<F>*>(o))(std::forward<Args>(a)...);
          }) {}
    R operator()(Args... a) const { return call_(obj_, std::forward<Args>(a)...); }

  private:
    void* obj_;
    R (*call_)(void*, Args...);
};

} // namespace multios::net
