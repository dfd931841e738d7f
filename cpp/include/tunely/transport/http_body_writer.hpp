#pragma once
// Writes one HTTP/1.x message whose head was written flat (http_head.hpp): the head leaves with the first body
// bytes, every piece framed as the head announced (chunked, length, until close), each write one gather write
// (writev) of at most four buffers; no copy of the body bytes.
//
// Stream: boost::beast::tcp_stream or an ssl::stream over one. One writer per message, one write at a time.
// Cancel safety: a write that fails or is cancelled leaves the message cut: the connection must end.
#include <array>
#include <string>
#include <string_view>

#include <boost/asio/write.hpp>

#include "tunely/transport/asio.hpp"
#include "tunely/transport/http_head.hpp"

namespace tunely::transport {

template <class Stream>
class http_body_writer {
public:
    http_body_writer(Stream& stream, std::string head, body_framing framing)
        : stream_(stream), head_(std::move(head)), framing_(framing) {}

    // Whether a write has begun (even a failed write may have sent part of the head).
    bool head_started() const noexcept { return head_started_; }

    // The head alone: a message whose first body bytes are not there yet (an event stream).
    awaitable<boost::system::error_code> write_head() { return write({}, framing_ == body_framing::none); }

    // `bytes` of the body (with the head, while not yet written); `last`: the body ends here (chunked: the last
    // chunk follows). Bodyless framing (none) writes only the head; an empty, not last piece writes nothing
    // once the head is out.
    awaitable<boost::system::error_code> write(std::string_view bytes, bool last) {
        std::array<asio::const_buffer, 4> out{};
        std::size_t n = 0;
        if (!head_started_) out[n++] = asio::buffer(head_);
        char size_line[20];
        if (framing_ == body_framing::chunked) {
            if (!bytes.empty()) {
                out[n++] = asio::buffer(chunk_size_line(size_line, bytes.size()));
                out[n++] = asio::buffer(bytes);
                out[n++] = asio::buffer(last ? chunk_end_and_last : chunk_end);
            } else if (last) {
                out[n++] = asio::buffer(last_chunk);
            }
        } else if (framing_ != body_framing::none && !bytes.empty()) {
            out[n++] = asio::buffer(bytes);
        }
        if (n == 0) co_return boost::system::error_code();
        head_started_ = true;
        auto [ec, written] = co_await asio::async_write(stream_, out, as_tuple_awaitable);
        (void)written;
        if (!ec) head_.clear();
        co_return ec;
    }

private:
    Stream& stream_;
    std::string head_;
    body_framing framing_;
    bool head_started_ = false;
};

}  // namespace tunely::transport
