#include "raw_relay.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/asio/ssl/error.hpp>

#include <type_traits>

#include "tunely/core/error.hpp"
#include "tunely/transport/done_signal.hpp"
#include "tunely/transport/spawn.hpp"

namespace tunely::server {
namespace beast = boost::beast;

namespace {

constexpr std::size_t chunk_size = 64 * 1024;
using clock = std::chrono::steady_clock;

// When the relay last carried bytes (either way), for the idle watch.
struct activity {
    clock::time_point last = clock::now();
    void touch() { last = clock::now(); }
};

// Caller → tunnel, until the caller's end of input or an error.
template <class Stream>
awaitable<void> caller_to_tunnel(std::shared_ptr<transport::done_signal> finished, Stream& stream,
                                 beast::flat_buffer& buffer, std::shared_ptr<exchange> x,
                                 std::shared_ptr<activity> seen, std::shared_ptr<raw_traffic> traffic) {
    bool ok = true;
    if (buffer.size() > 0) {
        auto early = beast::buffers_to_string(buffer.data());
        buffer.consume(buffer.size());
        ok = !co_await x->write_body(early);
    }
    // Not zero-filled: every byte is written by the read before it is used.
    auto chunk = std::make_unique_for_overwrite<char[]>(chunk_size);
    while (ok) {
        auto [ec, n] = co_await stream.async_read_some(asio::buffer(chunk.get(), chunk_size), as_tuple_awaitable);
        if (n > 0) {
            seen->touch();
            if (traffic) raw_traffic::add(traffic->tcp_bytes_in, n);
            if (co_await x->write_body(std::string_view(chunk.get(), n))) break;
        }
        // (A TLS peer that closes without close_notify ends its input as well.)
        if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
            (void)co_await x->finish_body();
            break;
        }
        if (ec) {
            x->cancel(make_error_code(error::stream_cancelled));
            break;
        }
    }
    finished->set();
}

// Cancels the exchange and the caller's pending operations once nothing moved for `timeout`.
// Ends when `stop` fires (the relay is done) or after it cancelled.
template <class Stream>
awaitable<void> idle_watch(std::shared_ptr<transport::done_signal> finished, Stream& stream,
                           std::shared_ptr<exchange> x, std::shared_ptr<activity> seen,
                           std::shared_ptr<asio::steady_timer> timer, std::chrono::milliseconds timeout) {
    for (;;) {
        timer->expires_at(seen->last + timeout);
        auto [ec] = co_await timer->async_wait(as_tuple_awaitable);
        if (ec) break;  // cancelled: the relay ended
        if (clock::now() < seen->last + timeout) continue;  // activity meanwhile
        x->cancel(make_error_code(error::idle_timeout));
        beast::get_lowest_layer(stream).cancel();
        break;
    }
    finished->set();
}

}  // namespace

template <class Stream>
awaitable<void> relay_raw(Stream& stream, beast::flat_buffer& buffer, std::shared_ptr<exchange> x,
                          raw_relay_options options) {
    auto ex = co_await asio::this_coro::executor;
    auto seen = std::make_shared<activity>();
    auto reader = std::make_shared<transport::done_signal>(ex);
    transport::spawn(ex, caller_to_tunnel(reader, stream, buffer, x, seen, options.traffic), "raw caller reader");
    auto watch = std::make_shared<transport::done_signal>(ex);
    auto watch_timer = std::make_shared<asio::steady_timer>(ex);
    if (options.idle_timeout.count() > 0)
        transport::spawn(ex, idle_watch(watch, stream, x, seen, watch_timer, options.idle_timeout), "idle watch");
    else
        watch->set();
    // The reader and the watch use the caller's stream and buffer: both are joined below, an exception included.
    std::exception_ptr escaped;
    bool target_ended = false;
    try {
        for (;;) {
            auto chunk = co_await x->read_body();
            if (!chunk) break;  // the stream broke: the caller's connection is cut below
            if (!*chunk) {  // the target closed its side
                // Plain TCP: a FIN, and the caller may go on sending (half-close). TLS: nothing here — the
                // host closes the session with close_notify once we return (a TCP FIN under TLS reads as a
                // truncation attack to the caller, and TLS 1.2 has no half-close), so the caller's
                // direction ends now as well.
                if constexpr (!std::is_same_v<Stream, tls_stream>) {
                    boost::system::error_code ignored;
                    beast::get_lowest_layer(stream).socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
                    target_ended = true;
                }
                break;
            }
            seen->touch();
            auto [ec, n] = co_await asio::async_write(stream, asio::buffer(**chunk), as_tuple_awaitable);
            (void)n;
            if (ec) {
                x->cancel(make_error_code(error::stream_cancelled));
                break;
            }
            seen->touch();
            if (options.traffic) raw_traffic::add(options.traffic->tcp_bytes_out, (*chunk)->size());
        }
        // Half-close: the caller may still send until its own end (or an error, the idle watch, a reset of
        // the stream, the session's end).
        if (target_ended && x->half_close()) {
            using namespace asio::experimental::awaitable_operators;
            co_await (reader->wait() || x->wait_failed());
        }
    } catch (...) {
        escaped = std::current_exception();
    }
    // Nothing more can reach the target: stop reading the caller.
    if (!reader->done()) {
        x->cancel(make_error_code(error::stream_cancelled));
        beast::get_lowest_layer(stream).cancel();
        co_await reader->wait();
    }
    watch_timer->cancel();
    co_await watch->wait();
    if (escaped) std::rethrow_exception(escaped);
}

template awaitable<void> relay_raw<beast::tcp_stream>(beast::tcp_stream&, beast::flat_buffer&,
                                                      std::shared_ptr<exchange>, raw_relay_options);
template awaitable<void> relay_raw<tls_stream>(tls_stream&, beast::flat_buffer&, std::shared_ptr<exchange>,
                                               raw_relay_options);

}  // namespace tunely::server
