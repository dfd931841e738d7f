#include "tunely/transport/outbox.hpp"

#include <algorithm>

#include "tunely/protocol/limits.hpp"
#include "tunely/protocol/v2_batch.hpp"

namespace tunely::transport {

void outbox::push(item it) {
    if (closing()) return;
    if (queue_.size() >= limits_.max_frames || queued_bytes_ + it.bytes.size() > limits_.max_bytes) {
        overflowed_ = true;
        stop();
        if (on_overflow_) on_overflow_();
        return;
    }
    queued_bytes_ += it.bytes.size();
    queue_.push_back(std::move(it));
    wake_.notify();
}

void outbox::push_close(std::uint16_t code, std::string reason) {
    if (closing()) return;
    close_ = close_request{code, std::move(reason)};
    wake_.notify();
}

void outbox::stop() {
    stopped_ = true;
    queue_.clear();
    queued_bytes_ = 0;
    wake_.notify();
    drained_.notify();
}

awaitable<boost::system::error_code> outbox::run(ws_channel& channel) {
    for (;;) {
        while (!stopped_ && !queue_.empty()) {
            item it = queue_.pop_front();
            const std::size_t taken = it.text ? it.bytes.size() : take_batch(it.bytes);
            auto ec = co_await channel.write(asio::buffer(it.bytes), asio::const_buffer(), it.text);
            queued_bytes_ -= std::min(queued_bytes_, taken);
            drained_.notify();
            if (ec) {
                stop();
                co_return ec;
            }
        }
        if (stopped_) co_return boost::system::error_code();
        if (close_) {
            auto ec = co_await channel.close(close_->code, close_->reason);
            stopped_ = true;
            drained_.notify();
            co_return ec;
        }
        co_await wake_.wait();
    }
}

std::size_t outbox::take_batch(std::string& first) {
    namespace v2 = protocol::v2;
    std::size_t taken = first.size();
    std::size_t size = protocol::v2_frame_header_size + v2::batch_cost(first.size());
    auto fits = [&](const item& next) { return !next.text && size + v2::batch_cost(next.bytes.size()) <= batch_limit_; };
    if (!batch_limit_ || queue_.empty() || !fits(queue_.front())) return taken;  // a lone frame is sent as it is
    std::string batch;
    batch.reserve(std::min(batch_limit_, size + queued_bytes_ + 4 * queue_.size()));  // one allocation
    v2::append_to_batch(batch, first);
    while (!queue_.empty() && fits(queue_.front())) {
        v2::append_to_batch(batch, queue_.front().bytes);
        size = batch.size();
        taken += queue_.pop_front().bytes.size();
    }
    first = std::move(batch);
    return taken;
}

awaitable<void> outbox::wait_below(std::size_t threshold) {
    while (!stopped_ && queued_bytes_ > threshold) co_await drained_.wait();
}

}  // namespace tunely::transport
