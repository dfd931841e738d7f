#include "tunely/server/exchange.hpp"

#include "tunely/core/error.hpp"

namespace tunely::server {

exchange::exchange(const executor& ex, std::weak_ptr<exchange_sink> sink, request_head head)
    : credit_changed(ex), request_(std::move(head)), sink_(std::move(sink)), changed_(ex) {}

awaitable<result<response_head>> exchange::read_head(std::chrono::steady_clock::time_point deadline) {
    auto self = shared_from_this();  // the session may drop its reference meanwhile
    while (!head_ && !failed_) {
        if (!co_await changed_.wait_until(deadline) && !head_ && !failed_) {
            cancel(make_error_code(error::request_timeout));
            co_return make_error_code(error::request_timeout);
        }
    }
    if (!head_) co_return error_;
    head_taken_ = true;
    auto head = std::move(*head_);
    head_.reset();
    co_return head;
}

awaitable<result<std::optional<std::string>>> exchange::read_body() {
    auto self = shared_from_this();
    while (body_.empty() && !ended_ && !failed_) co_await changed_.wait();
    if (!body_.empty()) {
        std::string chunk = std::move(body_.front());
        body_.pop_front();
        buffered_bytes_ -= chunk.size();
        bytes_out += static_cast<std::int64_t>(chunk.size());
        if (auto sink = sink_.lock()) sink->consumed(*this, chunk.size());
        co_return std::optional<std::string>(std::move(chunk));
    }
    if (ended_) co_return std::optional<std::string>();
    co_return error_;
}

awaitable<std::error_code> exchange::write_body(std::string_view bytes) {
    auto self = shared_from_this();
    if (failed_) co_return error_;
    if (bytes.empty()) co_return std::error_code();
    auto sink = sink_.lock();
    if (!sink) co_return make_error_code(error::tunnel_disconnected);
    bytes_in += static_cast<std::int64_t>(bytes.size());
    co_return co_await sink->send_body(*this, bytes, false);
}

awaitable<std::error_code> exchange::finish_body() {
    auto self = shared_from_this();
    if (failed_) co_return error_;
    if (request_finished_) co_return std::error_code();
    request_finished_ = true;
    auto sink = sink_.lock();
    if (!sink) co_return make_error_code(error::tunnel_disconnected);
    co_return co_await sink->send_body(*this, {}, true);
}

void exchange::cancel(std::error_code reason) {
    if (finished()) return;
    fail(reason);
    if (auto sink = sink_.lock()) sink->cancel(*this, reason);
}

void exchange::deliver_head(response_head head) {
    if (finished() || head_delivered()) return;
    bool has_body = head.has_body;
    head_ = std::move(head);
    if (!has_body) ended_ = true;
    changed_.notify();
}

void exchange::deliver_body(std::string bytes, bool last) {
    if (finished()) return;
    if (!bytes.empty()) {
        buffered_bytes_ += bytes.size();
        body_.push_back(std::move(bytes));
    }
    if (last) ended_ = true;
    changed_.notify();
}

void exchange::fail(std::error_code reason) {
    if (finished()) return;
    failed_ = true;
    error_ = reason;
    changed_.notify();
    credit_changed.notify();
}

}  // namespace tunely::server
