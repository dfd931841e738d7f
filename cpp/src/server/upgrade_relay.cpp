#include "upgrade_relay.hpp"

#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/asio/ssl/error.hpp>

#include "tunely/core/error.hpp"
#include "tunely/transport/done_signal.hpp"
#include "tunely/transport/spawn.hpp"

namespace tunely::server {
namespace beast = boost::beast;

namespace {

constexpr std::size_t chunk_size = 64 * 1024;

// Caller → tunnel, until the caller's end of input or an error.
template <class Stream>
awaitable<void> caller_to_tunnel(std::shared_ptr<transport::done_signal> finished, Stream& stream,
                                 beast::flat_buffer& buffer, std::shared_ptr<exchange> x) {
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
        if (n > 0 && co_await x->write_body(std::string_view(chunk.get(), n))) break;
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

}  // namespace

template <class Stream>
awaitable<void> relay_upgraded(Stream& stream, beast::flat_buffer& buffer, std::shared_ptr<exchange> x) {
    auto reader = std::make_shared<transport::done_signal>(co_await asio::this_coro::executor);
    transport::spawn(co_await asio::this_coro::executor, caller_to_tunnel(reader, stream, buffer, x),
                     "upgraded caller reader");
    // The reader uses the caller's stream and buffer: it is joined below, an exception included.
    std::exception_ptr escaped;
    try {
        for (;;) {
            auto chunk = co_await x->read_body();
            if (!chunk) break;  // the stream broke: the caller's connection is cut below
            if (!*chunk) {      // the target closed its side
                boost::system::error_code ignored;
                beast::get_lowest_layer(stream).socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
                break;
            }
            auto [ec, n] = co_await asio::async_write(stream, asio::buffer(**chunk), as_tuple_awaitable);
            (void)n;
            if (ec) {
                x->cancel(make_error_code(error::stream_cancelled));
                break;
            }
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
    if (escaped) std::rethrow_exception(escaped);
}

template awaitable<void> relay_upgraded<beast::tcp_stream>(beast::tcp_stream&, beast::flat_buffer&,
                                                           std::shared_ptr<exchange>);
template awaitable<void> relay_upgraded<tls_stream>(tls_stream&, beast::flat_buffer&, std::shared_ptr<exchange>);

}  // namespace tunely::server
