#include "test_target.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <boost/url.hpp>

#include <thread>

namespace tunely::test {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

std::string deterministic_bytes(std::size_t n, unsigned seed) {
    std::string out(n, '\0');
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<char>((i * 7 + 3 + seed) % 256);
    return out;
}

std::string gzip_text() {
    std::string out;
    for (int i = 0; i < 50; ++i) out += "compressible text ";
    return out;
}

namespace {

// gzip_text() gzip-coded (Python: gzip.compress(text, mtime=0)).
const std::string gzip_body(
    "\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\x4b\xce\xcf\x2d\x28\x4a\x2d\x2e\xce\x4c\xca\x49\x55\x28\x49\xad"
    "\x28\x51\x48\x1e\x15\x19\x15\x19\x15\xa1\xa3\x08\x00\x1e\x0e\x3f\xcc\x84\x03\x00\x00",
    47);

std::int64_t param(const boost::urls::url_view& u, std::string_view key, std::int64_t fallback) {
    auto it = u.params().find(key);
    if (it == u.params().end()) return fallback;
    return std::stoll(std::string((*it).value));
}

// GET /ws with Upgrade: websocket → a WebSocket that echoes every message with
// its type; the text "close" makes it close with 4000 "bye"; the text
// "headers" answers with the request's Sec-WebSocket-Protocol and X-Probe.
asio::awaitable<void> serve_websocket(beast::tcp_stream stream, http::request<http::string_body> req) {
    beast::websocket::stream<beast::tcp_stream> ws(std::move(stream));
    std::string probe(req["x-probe"]);
    std::string subprotocol(req[http::field::sec_websocket_protocol]);
    ws.set_option(beast::websocket::stream_base::decorator([subprotocol](beast::websocket::response_type& r) {
        if (!subprotocol.empty()) r.set(http::field::sec_websocket_protocol, subprotocol.substr(0, subprotocol.find(',')));
    }));
    auto [aec] = co_await ws.async_accept(req, asio::as_tuple(asio::use_awaitable));
    if (aec) co_return;
    for (;;) {
        beast::flat_buffer message;
        auto [ec, n] = co_await ws.async_read(message, asio::as_tuple(asio::use_awaitable));
        if (ec) co_return;
        auto text = beast::buffers_to_string(message.data());
        if (ws.got_text() && text == "close") {
            co_await ws.async_close(beast::websocket::close_reason(static_cast<beast::websocket::close_code>(4000), "bye"), asio::as_tuple(asio::use_awaitable));
            co_return;
        }
        if (ws.got_text() && text == "headers") text = subprotocol + "|" + probe;
        ws.text(ws.got_text());
        auto [wec, wn] = co_await ws.async_write(asio::buffer(text), asio::as_tuple(asio::use_awaitable));
        if (wec) co_return;
    }
}

asio::awaitable<void> serve(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.body_limit(256u * 1024 * 1024);
        auto [ec, n] = co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
        if (ec) co_return;
        auto req = parser.release();
        auto u = boost::urls::parse_origin_form(req.target()).value();
        std::string path = u.path();
        if (path == "/ws" && beast::websocket::is_upgrade(req)) {
            co_await serve_websocket(std::move(stream), std::move(req));
            co_return;
        }
        http::response<http::string_body> res{http::status::ok, req.version()};
        res.keep_alive(req.keep_alive());

        if (path == "/stall") {  // a head and 3 of 100 body bytes, then nothing for ms
            std::string start = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc";
            co_await asio::async_write(stream, asio::buffer(start), asio::use_awaitable);
            asio::steady_timer timer(stream.get_executor(), std::chrono::milliseconds(param(u, "ms", 10000)));
            co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
            co_return;
        }
        if (path == "/sse") {
            auto count = param(u, "count", 5);
            auto interval = param(u, "interval_ms", 100);
            http::response<http::empty_body> head{http::status::ok, req.version()};
            head.set(http::field::content_type, "text/event-stream");
            head.set(http::field::cache_control, "no-cache");
            head.chunked(true);
            head.keep_alive(req.keep_alive());
            http::response_serializer<http::empty_body> sr{head};
            co_await http::async_write_header(stream, sr, asio::use_awaitable);
            asio::steady_timer timer(stream.get_executor());
            for (std::int64_t i = 0; i < count; ++i) {
                if (i > 0) {
                    timer.expires_after(std::chrono::milliseconds(interval));
                    co_await timer.async_wait(asio::use_awaitable);
                }
                std::string event = "data: {\"index\": " + std::to_string(i) + "}\n\n";
                co_await asio::async_write(stream, http::make_chunk(asio::buffer(event)), asio::use_awaitable);
            }
            co_await asio::async_write(stream, http::make_chunk_last(), asio::use_awaitable);
            if (!req.keep_alive()) co_return;
            continue;
        }
        if (path.rfind("/echo-body", 0) == 0) {
            res.set(http::field::content_type, req[http::field::content_type].empty()
                                                   ? "application/octet-stream"
                                                   : std::string(req[http::field::content_type]));
            res.body() = std::move(req.body());
        } else if (path.rfind("/echo", 0) == 0) {
            boost::json::object headers;
            for (const auto& f : req) {
                std::string name(f.name_string());
                for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                headers[name] = f.value();
            }
            res.set(http::field::content_type, "application/json");
            res.body() = boost::json::serialize(boost::json::object{{"method", req.method_string()},
                                                                    {"target", req.target()},
                                                                    {"headers", headers},
                                                                    {"body", req.body()}});
        } else if (path == "/bytes") {
            res.set(http::field::content_type, "application/octet-stream");
            res.body() = deterministic_bytes(static_cast<std::size_t>(param(u, "size", 1024)));
        } else if (path == "/slow") {
            asio::steady_timer timer(stream.get_executor(), std::chrono::milliseconds(param(u, "ms", 1000)));
            co_await timer.async_wait(asio::use_awaitable);
            res.body() = "slow";
        } else if (path.rfind("/status/", 0) == 0) {
            auto code = std::stoi(path.substr(8));
            res.result(static_cast<unsigned>(code));
            res.body() = "status " + std::to_string(code);
        } else if (path == "/headers") {  // a response head with N fields (x-h0: 1 …)
            for (int i = 0; i < param(u, "count", 10); ++i) res.insert("x-h" + std::to_string(i), "1");
            res.body() = "headers";
        } else if (path == "/gzip") {
            res.set(http::field::content_type, "text/plain; charset=utf-8");
            if (param(u, "always", 0) || req[http::field::accept_encoding].find("gzip") != std::string_view::npos) {
                res.set(http::field::content_encoding, "gzip");
                res.body() = gzip_body;
            } else {
                res.body() = gzip_text();
            }
        } else if (path == "/cookies") {
            res.insert(http::field::set_cookie, "a=1; Path=/");
            res.insert(http::field::set_cookie, "b=2; Path=/");
            res.body() = "cookies";
        } else {
            res.result(http::status::not_found);
            res.body() = "not found";
        }
        res.prepare_payload();
        if (req.method() == http::verb::head) {  // the head of the GET answer, Content-Length included
            http::response_serializer<http::string_body> sr{res};
            co_await http::async_write_header(stream, sr, asio::use_awaitable);
        } else {
            co_await http::async_write(stream, res, asio::use_awaitable);
        }
        if (!res.keep_alive()) co_return;
    }
}

}  // namespace

struct test_target::impl {
    asio::io_context ioc{1};
    tcp::acceptor acceptor{ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
    std::thread thread;

    asio::awaitable<void> accept() {
        for (;;) {
            auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
            if (ec) co_return;
            asio::co_spawn(ioc, serve(std::move(socket)), asio::detached);
        }
    }
};

test_target::test_target() : impl_(std::make_unique<impl>()) {
    asio::co_spawn(impl_->ioc, impl_->accept(), asio::detached);
    impl_->thread = std::thread([this] { impl_->ioc.run(); });
}

test_target::~test_target() {
    impl_->ioc.stop();
    impl_->thread.join();
}

std::uint16_t test_target::port() const noexcept { return impl_->acceptor.local_endpoint().port(); }

std::string test_target::url() const { return "http://127.0.0.1:" + std::to_string(port()); }

}  // namespace tunely::test
