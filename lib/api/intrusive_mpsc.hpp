// A lock-free multi-producer single-consumer list of objects that carry their own link: any
// thread pushes, one thread takes everything at once (oldest first). Push-only plus take-all
// has no ABA problem. The caller guarantees an object is in at most one list at a time (the
// socket API uses an atomic "queued" flag per object for that).
#pragma once

#include <atomic>

namespace multios::net::api {

template <class T, T* T::*Next>
class IntrusiveMpsc {
  public:
    void push(T* item) {
        T* head = head_.load(std::memory_order_relaxed);
        do {
            item->*Next = head;
        } while (!head_.compare_exchange_weak(head, item, std::memory_order_release,
                                              std::memory_order_relaxed));
    }

    /// Everything pushed so far, oldest first, linked through Next; nullptr when empty.
    T* take_all() {
        T* lifo = head_.exchange(nullptr, std::memory_order_acquire);
        T* fifo = nullptr;
        while (lifo != nullptr) {
            T* next = lifo->*Next;
            lifo->*Next = fifo;
            fifo = lifo;
            lifo = next;
        }
        return fifo;
    }

    bool empty() const { return head_.load(std::memory_order_relaxed) == nullptr; }

  private:
    std::atomic<T*> head_{nullptr};
};

} // namespace multios::net::api
