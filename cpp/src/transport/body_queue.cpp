#include "tunely/transport/body_queue.hpp"

namespace tunely::transport {

void body_queue::push(std::string bytes, bool last) {
    if (closed()) return;
    if (!bytes.empty()) {
        buffered_bytes_ += bytes.size();
        chunks_.push_back(std::move(bytes));
    }
    if (last) ended_ = true;
    changed_.notify();
}

void body_queue::fail(std::error_code reason) {
    if (closed()) return;
    failed_ = true;
    error_ = reason;
    changed_.notify();
}

std::optional<result<std::optional<std::string>>> body_queue::try_next() {
    if (!chunks_.empty()) {
        std::string chunk = chunks_.pop_front();
        buffered_bytes_ -= chunk.size();
        return result<std::optional<std::string>>(std::optional<std::string>(std::move(chunk)));
    }
    if (ended_) return result<std::optional<std::string>>(std::optional<std::string>());
    if (failed_) return result<std::optional<std::string>>(error_);
    return std::nullopt;
}

awaitable<result<std::optional<std::string>>> body_queue::next() {
    for (;;) {
        if (auto got = try_next()) co_return std::move(*got);
        co_await changed_.wait();
    }
}

}  // namespace tunely::transport
