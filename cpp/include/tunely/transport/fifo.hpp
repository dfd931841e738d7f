#pragma once
// A first-in first-out queue on one vector: items [head_, size) are queued.
//
// Why not std::deque: libstdc++'s deque allocates its map and a first 512-byte block when it is constructed,
// empty or not, and there is one such queue per stream and per session (two allocations per request on each
// side, half a KiB per idle session). This one allocates at the first push and keeps its capacity when it runs
// empty; the consumed prefix is dropped once it is half the vector, so a queue that never runs empty does not
// grow with what went through it (amortized O(1) per item).
//
// Not thread-safe.
#include <cstddef>
#include <iterator>
#include <utility>
#include <vector>

namespace tunely::transport {

template <class T>
class fifo {
public:
    bool empty() const noexcept { return head_ == items_.size(); }
    std::size_t size() const noexcept { return items_.size() - head_; }
    T& front() noexcept { return items_[head_]; }
    const T& front() const noexcept { return items_[head_]; }
    void push_back(T item) { items_.push_back(std::move(item)); }
    // Precondition: !empty().
    T pop_front() {
        T item = std::move(items_[head_++]);
        if (head_ == items_.size()) {
            items_.clear();  // keeps the capacity
            head_ = 0;
        } else if (head_ >= 16 && 2 * head_ >= items_.size()) {
            items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
            head_ = 0;
        }
        return item;
    }
    void clear() noexcept {
        items_.clear();
        head_ = 0;
    }

private:
    std::vector<T> items_;
    std::size_t head_ = 0;
};

}  // namespace tunely::transport
