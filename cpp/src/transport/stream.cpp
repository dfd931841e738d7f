#include "tunely/transport/stream.hpp"

#include <algorithm>

#include "tunely/protocol/limits.hpp"
#include "tunely/protocol/v2_codec.hpp"

namespace tunely::transport {
namespace v2 = protocol::v2;
using protocol::v2_initial_window;
using protocol::v2_max_data_payload;

stream::stream(const executor& ex, v2::stream_id id, std::weak_ptr<outbox> out)
    : id_(id),
      out_(std::move(out)),
      send_credit_(v2_initial_window),
      receive_credit_(v2_initial_window),
      received_(ex),
      credit_changed_(ex) {}

void stream::push_frame(std::string bytes) {
    if (auto out = out_.lock()) out->push_binary(std::move(bytes));
}

awaitable<bool> stream::send(std::string_view bytes, bool last) {
    do {
        // Credit counts payload bytes: an empty DATA that only ends the stream needs none.
        while (send_credit_ <= 0 && !bytes.empty() && !aborted_) co_await credit_changed_.wait();
        if (aborted_) co_return false;
        auto out = out_.lock();  // held while waiting: the session aborts us when it ends
        if (!out) co_return false;
        co_await out->wait_below(outbox::bulk_high_water);
        if (aborted_ || out->closing()) co_return false;
        auto n = std::min({bytes.size(), v2_max_data_payload, static_cast<std::size_t>(send_credit_)});
        bool end = last && n == bytes.size();
        send_credit_ -= static_cast<std::int64_t>(n);
        out->push_binary(v2::encode_data(id_, bytes.substr(0, n), end));
        bytes.remove_prefix(n);
    } while (!bytes.empty());
    co_return true;
}

bool stream::try_send_datagram(std::string_view datagram) {
    if (aborted_ || datagram.size() > v2_max_data_payload) return false;
    if (static_cast<std::int64_t>(datagram.size()) > send_credit_) return false;
    auto out = out_.lock();
    if (!out || out->closing() || out->queued_bytes() > outbox::bulk_high_water) return false;
    send_credit_ -= static_cast<std::int64_t>(datagram.size());
    out->push_binary(v2::encode_data(id_, datagram, false));
    return true;
}

void stream::grant(std::uint32_t increment) {
    send_credit_ += increment;
    credit_changed_.notify();
}

bool stream::receive(std::string bytes, bool last) {
    auto n = static_cast<std::int64_t>(bytes.size());
    if (received_.closed() || n > receive_credit_) return false;
    receive_credit_ -= n;
    received_.push(std::move(bytes), last);
    return true;
}

bool stream::receive_datagram(std::size_t size) {
    auto n = static_cast<std::int64_t>(size);
    if (aborted_ || received_.closed() || n > receive_credit_) return false;
    receive_credit_ -= n;
    return true;
}

void stream::consumed(std::size_t n) {
    unacknowledged_ += n;
    // No WINDOW once the peer's body is complete or the stream is over: nothing more may come.
    if (unacknowledged_ < v2_initial_window / 2 || aborted_ || received_.closed()) return;
    push_frame(v2::encode(v2::window{id_, static_cast<std::uint32_t>(unacknowledged_)}));
    receive_credit_ += static_cast<std::int64_t>(unacknowledged_);
    unacknowledged_ = 0;
}

void stream::abort(std::error_code reason) {
    if (aborted_) return;
    aborted_ = true;
    received_.fail(reason);
    credit_changed_.notify();
    received_.changed().notify();
}

}  // namespace tunely::transport
