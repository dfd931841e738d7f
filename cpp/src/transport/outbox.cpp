#include "tunely/transport/outbox.hpp"

#include "tunely/protocol/limits.hpp"
#include "tunely/protocol/v2_batch.hpp"

namespace tunely::transport {

void outbox::push(item it) {
    if (closing()) return;
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
            item it = std::move(queue_.front());
            queue_.pop_front();
            std::size_t taken = it.bytes.size();
            if (batch_limit_ && !it.text && !queue_.empty() && !queue_.front().text &&
                protocol::v2::batch_cost(it.bytes.size()) + protocol::v2::batch_cost(queue_.front().bytes.size()) +
                        protocol::v2_frame_header_size <= batch_limit_) {
                // Frames that queued up while the last write ran leave together.
                std::string batch;
                batch.reserve(std::min(batch_limit_, queued_bytes_ + 64 * queue_.size() + 64));
                protocol::v2::append_to_batch(batch, it.bytes);
                while (!queue_.empty() && !queue_.front().text &&
                       batch.size() + protocol::v2::batch_cost(queue_.front().bytes.size()) <= batch_limit_) {
                    protocol::v2::append_to_batch(batch, queue_.front().bytes);
                    taken += queue_.front().bytes.size();
                    queue_.pop_front();
                }
                it.bytes = std::move(batch);
            }
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

awaitable<void> outbox::wait_below(std::size_t threshold) {
    while (!stopped_ && queued_bytes_ > threshold) co_await drained_.wait();
}

}  // namespace tunely::transport
