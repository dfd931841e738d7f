#include "http_client.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <optional>

#include "tunely/core/header_list.hpp"

namespace tunely::test {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using asio::ip::tcp;

std::string http_result::header(std::string_view name) const {
    for (const auto& [n, v] : headers)
        if (iequals(n, name)) return v;
    return {};
}

std::vector<std::string> http_result::all(std::string_view name) const {
    std::vector<std::string> out;
    for (const auto& [n, v] : headers)
        if (iequals(n, name)) out.push_back(v);
    return out;
}

namespace {

// Runs `aw` on a private io_context, bounded by `timeout`.
template <class T>
T run_bounded(std::function<asio::awaitable<T>(asio::io_context&)> fn, std::chrono::milliseconds timeout,
              T on_timeout) {
    asio::io_context ioc;
    std::optional<T> out;
    std::exception_ptr failure;
    asio::co_spawn(ioc, fn(ioc), [&](std::exception_ptr e, T v) {
        if (e) failure = e;
        else out = std::move(v);
    });
    ioc.run_for(timeout);
    if (failure) std::rethrow_exception(failure);
    if (!out) return on_timeout;
    return std::move(*out);
}

asio::awaitable<http_result> exchange(asio::io_context& ioc, std::uint16_t port, http_call call,
                                      std::vector<timed_chunk>* chunks) {
    http_result out;
    beast::tcp_stream stream(ioc);
    auto [cec] = co_await stream.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                                               asio::as_tuple(asio::use_awaitable));
    if (cec) {
        out.error = cec.message();
        co_return out;
    }
    http::request<http::string_body> req{http::string_to_verb(call.method), call.target, 11};
    if (req.method() == http::verb::unknown) req.method_string(call.method);
    req.set(http::field::host, call.host);
    for (const auto& [n, v] : call.headers) req.insert(n, v);
    req.body() = call.body;
    if (!call.body.empty() || call.method == "POST" || call.method == "PUT") req.prepare_payload();
    auto [wec, wn] = co_await http::async_write(stream, req, asio::as_tuple(asio::use_awaitable));
    if (wec) {
        out.error = wec.message();
        co_return out;
    }
    beast::flat_buffer buffer;
    buffer.reserve(64 * 1024);
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(boost::none);
    if (req.method() == http::verb::head) parser.skip(true);
    auto [hec, hn] = co_await http::async_read_header(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (hec) {
        out.error = hec.message();
        co_return out;
    }
    out.status = parser.get().result_int();
    for (const auto& f : parser.get()) out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    std::vector<char> buf(64 * 1024);
    while (!parser.is_done()) {
        parser.get().body().data = buf.data();
        parser.get().body().size = buf.size();
        auto [rec, rn] = co_await http::async_read_some(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
        if (rec == http::error::need_buffer) rec = {};
        if (rec) {
            out.error = rec.message();
            break;
        }
        auto got = buf.size() - parser.get().body().size;
        out.body.append(buf.data(), got);
        if (chunks && got) chunks->push_back({std::chrono::steady_clock::now(), std::string(buf.data(), got)});
    }
    co_return out;
}

}  // namespace

http_result http_request(std::uint16_t port, const http_call& call) {
    http_result timeout;
    timeout.error = "timeout";
    return run_bounded<http_result>([&](asio::io_context& ioc) { return exchange(ioc, port, call, nullptr); },
                                    call.timeout, timeout);
}

http_result http_request_streamed(std::uint16_t port, const http_call& call, std::vector<timed_chunk>& chunks) {
    http_result timeout;
    timeout.error = "timeout";
    return run_bounded<http_result>([&](asio::io_context& ioc) { return exchange(ioc, port, call, &chunks); },
                                    call.timeout, timeout);
}

struct ws_test_client::impl {
    asio::io_context ioc;
    websocket::stream<beast::tcp_stream> ws{ioc};
};

ws_test_client::ws_test_client(std::uint16_t port, const std::string& path,
                               std::vector<std::pair<std::string, std::string>> headers)
    : impl_(std::make_unique<impl>()) {
    beast::get_lowest_layer(impl_->ws).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    impl_->ws.set_option(websocket::stream_base::decorator([headers](websocket::request_type& r) {
        for (const auto& [name, value] : headers) r.set(name, value);
    }));
    impl_->ws.handshake("127.0.0.1:" + std::to_string(port), path);
}

ws_test_client::~ws_test_client() = default;

void ws_test_client::send_text(const std::string& text) {
    impl_->ws.text(true);
    impl_->ws.write(asio::buffer(text));
}

void ws_test_client::send_binary(const std::string& bytes) {
    impl_->ws.binary(true);
    impl_->ws.write(asio::buffer(bytes));
}

ws_test_client::message ws_test_client::read(std::chrono::milliseconds timeout) {
    message m;
    beast::flat_buffer buffer;
    bool done = false;
    impl_->ws.async_read(buffer, [&](beast::error_code ec, std::size_t) {
        done = true;
        if (ec) {
            m.closed = true;
            m.close_code = impl_->ws.reason().code;
            m.close_reason = std::string(impl_->ws.reason().reason.data(), impl_->ws.reason().reason.size());
            if (ec != websocket::error::closed) m.close_reason = ec.message();
            return;
        }
        m.data = beast::buffers_to_string(buffer.data());
        m.text = impl_->ws.got_text();
    });
    impl_->ioc.restart();
    impl_->ioc.run_for(timeout);
    if (!done) {
        beast::get_lowest_layer(impl_->ws).cancel();
        impl_->ioc.restart();
        impl_->ioc.run();
        m.closed = true;
        m.close_reason = "timeout";
    }
    return m;
}

void ws_test_client::close() {
    beast::error_code ec;
    impl_->ws.close(websocket::close_code::normal, ec);
}

}  // namespace tunely::test
