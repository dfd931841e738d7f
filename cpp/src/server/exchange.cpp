#include "tunely/server/exchange.hpp"

#include "tunely/core/error.hpp"
#include "tunely/core/utf8.hpp"

namespace tunely::server {

exchange::exchange(const executor& ex, request_head head) : ex_(ex), request_(std::move(head)), head_changed_(ex) {}

awaitable<result<response_head>> exchange::read_head(std::chrono::steady_clock::time_point deadline) {
    auto self = shared_from_this();  // the session may drop its reference meanwhile
    while (!head_ && !failed_) {
        if (!co_await head_changed_.wait_until(deadline) && !head_ && !failed_) {
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
    auto chunk = co_await response_body().next();
    if (chunk && *chunk) {
        bytes_out += static_cast<std::int64_t>((*chunk)->size());
        on_read((*chunk)->size());
    }
    co_return chunk;
}

awaitable<std::error_code> exchange::write_body(std::string_view bytes) {
    auto self = shared_from_this();
    if (failed_) co_return error_;
    if (bytes.empty()) co_return std::error_code();
    bytes_in += static_cast<std::int64_t>(bytes.size());
    co_return co_await send(bytes, false);
}

awaitable<std::error_code> exchange::finish_body() {
    auto self = shared_from_this();
    if (failed_) co_return error_;
    if (request_finished_) co_return std::error_code();
    request_finished_ = true;
    co_return co_await send({}, true);
}

// Over in both directions: failed, or the response ended (a half-closed TCP stream: and the request too).
bool exchange::over() noexcept {
    return failed_ || (response_body().ended() && (request_finished_ || !half_close()));
}

awaitable<void> exchange::wait_failed() {
    auto self = shared_from_this();
    while (!failed_) co_await head_changed_.wait();
}

void exchange::cancel(std::error_code reason) {
    if (over()) return;
    fail(reason);
    on_cancel(reason);
}

void exchange::deliver_head(response_head head) {
    if (failed_ || head_delivered()) return;  // body bytes may be queued (and ended) before the head
    bool has_body = head.has_body;
    head_ = std::move(head);
    if (!has_body) response_body().push({}, true);
    head_changed_.notify();
}

void exchange::fail(std::error_code reason, std::string_view client_text) {
    if (over()) return;
    if (client_text.size() <= max_failure_text && is_valid_utf8(client_text)) failure_text_ = client_text;
    fail(reason);
}

void exchange::fail(std::error_code reason) {
    if (over()) return;
    failed_ = true;
    error_ = reason;
    head_changed_.notify();
    on_failed(reason);
}

}  // namespace tunely::server
