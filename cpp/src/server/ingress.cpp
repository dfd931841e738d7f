#include "ingress.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include <type_traits>

#include "tunely/core/error.hpp"
#include "tunely/core/http_status.hpp"
#include "tunely/transport/done_signal.hpp"
#include "tunely/transport/http_body_writer.hpp"
#include "tunely/transport/spawn.hpp"
#include "error_page.hpp"
#include "raw_relay.hpp"

namespace tunely::server {
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr std::size_t chunk_size = 64 * 1024;
constexpr std::size_t record_body_bytes = 4 * 1024;  // request log keeps the first 4 KiB

// `into`: null when the records keep no bodies (tunnel_server::records_details()).
void keep_start(std::string* into, std::string_view bytes) {
    if (into && into->size() < record_body_bytes)
        into->append(bytes.substr(0, record_body_bytes - into->size()));
}

std::string error_text(const std::error_code& ec, std::string_view domain) {
    if (ec == error::tunnel_not_connected) return "Tunnel not connected: " + std::string(domain);
    if (ec == error::tunnel_not_found) return "Tunnel not found: " + std::string(domain);
    return ec.message();
}

// Request-body relay: runs beside the response writer (one reader, one writer
// on the socket at a time, as Beast allows).
struct upload {
    upload(const executor& ex, bool keep_start) : keep(keep_start), finished(ex) {}
    bool complete = false;  // the whole body was read from the caller
    bool keep;              // whether `start` is kept
    std::string start;      // first bytes, for the request log
    transport::done_signal finished;  // the coroutine has returned
};

template <class Stream>
awaitable<void> relay_request_body(std::shared_ptr<upload> state, Stream& stream,
                                   beast::flat_buffer& buffer, header_parser& header,
                                   std::shared_ptr<exchange> x) {
    http::request_parser<http::buffer_body> parser(std::move(header));
    parser.body_limit(boost::none);  // streamed: no whole-body limit here (1.1 sessions cap it)
    // Not zero-filled: every byte is written by the read before it is used.
    auto chunk = std::make_unique_for_overwrite<char[]>(chunk_size);
    // Beast sizes each socket read by the buffer's free capacity (512 bytes for
    // an empty one): give it room for whole chunks while a body streams.
    buffer.reserve(chunk_size);
    for (;;) {
        parser.get().body().data = chunk.get();
        parser.get().body().size = chunk_size;
        auto [ec, n] = co_await http::async_read_some(stream, buffer, parser, as_tuple_awaitable);
        (void)n;
        if (ec == http::error::need_buffer) ec = {};
        if (ec) {
            x->cancel(make_error_code(error::stream_cancelled));
            break;
        }
        std::size_t got = chunk_size - parser.get().body().size;
        if (got > 0) {
            std::string_view bytes(chunk.get(), got);
            keep_start(state->keep ? &state->start : nullptr, bytes);
            if (auto werr = co_await x->write_body(bytes)) {
                x->cancel(werr);
                break;
            }
        }
        if (parser.is_done()) {
            state->complete = true;
            if (auto ferr = co_await x->finish_body()) x->cancel(ferr);
            break;
        }
    }
    buffer.shrink_to_fit();  // idle keep-alive connections keep no large buffer
    state->finished.set();
}

bool is_bodyless_status(unsigned status) { return status / 100 == 1 || status == 204 || status == 304; }

// Fields that passed check_response_head(); Beast throws only for what that check rejects.
template <class Fields>
void copy_fields(const header_list& from, Fields& to) {
    for (const auto& h : from) to.insert(h.name, h.value);
}

struct write_outcome {
    bool head_written = false;  // false: nothing was sent, the caller may still get an error response
    bool reusable = false;      // the caller's connection may carry another request
    std::string failure;        // for the request log
};

// Writes the final response to the caller. The server, not the tunnel client,
// frames the body: a declared Content-Length is held to the byte (a longer body is
// cut there, a shorter one ends the connection: a caller never reads bytes of one
// response as the next), otherwise chunked for HTTP/1.1 or until close for 1.0.
// A caller that stops reading is cut by the kernel (TCP_USER_TIMEOUT, set by
// serve_connection to --send-timeout): no timer per write on this hot path.
// The head is written flat (transport/http_head.hpp) and leaves with the first body bytes.
template <class Stream>
awaitable<write_outcome> write_response(Stream& stream, exchange& x, const response_head& response,
                                        unsigned version, bool keep_alive, bool head_request,
                                        std::string* body_start) {
    using transport::body_framing;
    write_outcome out;
    const unsigned status = response.status;
    const bool bodyless = head_request || is_bodyless_status(status);
    const std::optional<std::uint64_t> declared = bodyless ? std::nullopt : response.content_length;
    body_framing framing = bodyless ? body_framing::none : body_framing::length;
    bool empty_body = false;  // no body and no length: "Content-Length: 0"
    if (!bodyless && !declared) {
        if (!response.has_body) empty_body = true, framing = body_framing::none;
        else if (version >= 11) framing = body_framing::chunked;
        else framing = body_framing::close, keep_alive = false;  // HTTP/1.0: the body ends when the connection does
    }
    std::string head;
    head.reserve(128 + 64 * response.headers.size());
    transport::append_status_line(head, version, status);
    for (const auto& h : response.headers) transport::append_field(head, h.name, h.value);  // hop-by-hop removed
    if (empty_body) transport::append_field(head, "Content-Length", "0");
    if (version >= 11 && !keep_alive) transport::append_field(head, "Connection", "close");
    if (version < 11 && keep_alive) transport::append_field(head, "Connection", "keep-alive");
    transport::end_head(head, framing);
    transport::http_body_writer<Stream> writer(stream, std::move(head), framing);

    if (framing == body_framing::none) {
        bool ok = !co_await writer.write_head();
        out.head_written = true;  // even a failed write may have sent part of it
        if (response.has_body) x.cancel(make_error_code(error::stream_cancelled));
        out.reusable = ok;
        co_return out;
    }
    // The first DATA usually follows RESPONSE in the same read: let the session
    // deliver it, so a small response leaves in one write.
    if (x.buffered_bytes() == 0 && !x.finished()) co_await asio::post(co_await asio::this_coro::executor, use_awaitable);
    std::uint64_t written = 0;
    for (;;) {
        if (!writer.head_started() && x.buffered_bytes() == 0 && !x.finished()) {
            // A stream (SSE…): the caller gets the head now, not with the first event.
            auto hec = co_await writer.write_head();
            out.head_written = true;
            if (hec) co_return out;
        }
        auto chunk = co_await x.read_body();
        if (!chunk) {  // stream broke after the head: the caller sees a cut connection
            out.failure = chunk.error().message();
            co_return out;
        }
        auto& bytes = *chunk;
        std::string_view view = bytes ? std::string_view(*bytes) : std::string_view();
        const bool overflow = declared && view.size() > *declared - written;
        if (overflow) view = view.substr(0, static_cast<std::size_t>(*declared - written));
        keep_start(body_start, view);
        const bool last = !bytes || x.body_complete() || overflow;
        auto wec = co_await writer.write(view, last);
        out.head_written = true;
        if (wec) {
            x.cancel(make_error_code(error::stream_cancelled));
            out.failure = wec == asio::error::timed_out ? "caller stopped reading" : "caller went away";
            co_return out;
        }
        written += view.size();
        if (overflow) {
            x.cancel(make_error_code(error::stream_cancelled));
            out.failure = "response body longer than its Content-Length (cut there)";
            co_return out;
        }
        if (last) break;
    }
    if (declared && written != *declared) {
        out.failure = "response body shorter than its Content-Length";
        co_return out;
    }
    out.reusable = true;
    co_return out;
}

}  // namespace

template <class Stream>
awaitable<bool> write_error(Stream& stream, unsigned status, std::string_view text,
                            bool keep_alive, unsigned version, bool html) {
    http::response<http::string_body> res{static_cast<http::status>(status), version};
    auto body = make_error_body(status, text, html);
    res.set(http::field::content_type, body.content_type);
    res.set(http::field::server, "tunely");
    res.body() = std::move(body.body);
    res.keep_alive(keep_alive);
    res.prepare_payload();
    auto [ec, n] = co_await http::async_write(stream, res, as_tuple_awaitable);
    (void)n;
    co_return !ec && keep_alive;
}

template <class Stream>
awaitable<bool> serve_ingress(tunnel_server& server, Stream& stream, beast::flat_buffer& buffer,
                              header_parser& parser, std::string domain, std::string target,
                              std::string_view caller_ip) {
    // Run on another thread's executor (run_on), this is a coroutine of its own: a cancellation must not
    // throw past the upload's join below (as in serve_connection, which awaits it directly otherwise).
    co_await asio::this_coro::throw_if_cancelled(false);
    const auto started = std::chrono::steady_clock::now();
    auto& req = parser.get();
    const unsigned version = req.version();
    bool keep_alive = req.keep_alive();
    const bool has_body = req.chunked() || (parser.content_length() && *parser.content_length() > 0);
    const bool head_request = req.method() == http::verb::head;
    const bool html = wants_html(req[http::field::accept]);  // for the server's own error answers

    exchange_record rec;
    rec.domain = domain;
    rec.method = std::string(req.method_string());
    rec.target = target;

    request_head head;
    head.method = rec.method;
    head.target = target;
    head.headers.fields().reserve(static_cast<std::size_t>(std::distance(req.begin(), req.end())) + 3);  // + X-Forwarded-*
    for (const auto& f : req) head.headers.add(std::string(f.name_string()), std::string(f.value()));
    // An upgrade (WebSocket) keeps its Connection/Upgrade fields; one with a body is served as plain HTTP.
    const std::string upgrade = has_body ? std::string() : upgrade_protocol(head.headers);
    keep_only_upgrade_hop_fields(head.headers, upgrade);
    const auto* expect = head.headers.find("expect");
    const bool expect_continue = expect && iequals(*expect, "100-continue");
    head.headers.erase("expect");
    // Proxy headers, as nginx's proxy_add_x_forwarded_for does.
    if (const auto* xff = head.headers.find("x-forwarded-for"))
        head.headers.set("X-Forwarded-For", *xff + ", " + std::string(caller_ip));
    else head.headers.add("X-Forwarded-For", std::string(caller_ip));
    if (!head.headers.find("x-forwarded-proto"))
        head.headers.add("X-Forwarded-Proto", std::is_same_v<Stream, tls_stream> ? "https" : "http");
    if (const auto* host = head.headers.find("host"); host && !head.headers.find("x-forwarded-host"))
        head.headers.add("X-Forwarded-Host", *host);
    head.has_body = has_body || !upgrade.empty();  // an upgraded stream carries the caller's bytes
    head.upgrade = !upgrade.empty();
    const bool details = server.records_details();  // headers and body starts: only for the request log
    if (details) rec.request_headers = head.headers;

    auto finish = [&](unsigned status, std::string error) {
        rec.status = status;
        rec.error = std::move(error);
        rec.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - started);
        server.record(std::move(rec));
    };

    auto opened = server.open_exchange(domain, std::move(head));
    if (!opened) {
        auto why = opened.error();
        if (why == error::tunnel_not_connected) why = co_await server.no_session_reason(domain);  // or unknown: 404
        auto status = http_status(why);
        auto text = error_text(why, domain);
        // An unread body makes the connection unusable: close it instead of draining.
        keep_alive = co_await write_error(stream, status, text, keep_alive && !has_body, version, html);
        finish(status, text);
        co_return keep_alive;
    }
    auto x = *opened;
    auto hold = server.hold_exchange();  // a graceful shutdown waits until the caller has it all

    auto up = std::make_shared<upload>(co_await asio::this_coro::executor, details);
    if (has_body) {
        if (expect_continue) {
            http::response<http::empty_body> cont{http::status::continue_, version};
            co_await http::async_write(stream, cont, as_tuple_awaitable);
        }
        transport::spawn(co_await asio::this_coro::executor,
                         relay_request_body(up, stream, buffer, parser, x), "ingress upload " + domain);
    } else {
        up->complete = true;
        up->finished.set();
        // An upgrade keeps the request direction open until the target answers.
        if (upgrade.empty())
            if (auto ec = co_await x->finish_body()) x->cancel(ec);
    }

    unsigned status = 0;
    std::string failure;
    // The upload reads this connection's stream and buffer: it is joined below whatever happens here,
    // an exception included, before this frame (and serve_connection's) may unwind.
    std::exception_ptr escaped;
    try {
        auto timeout = server.options().request_timeout;
        auto response = co_await x->read_head(std::chrono::steady_clock::now() + timeout);
        if (!response) {
            status = http_status(response.error());
            failure = error_text(response.error(), domain);
            keep_alive = co_await write_error(stream, status, failure, keep_alive && up->complete, version, html);
        } else if (!upgrade.empty() && response->status == 101) {
            status = 101;
            keep_only_upgrade_hop_fields(response->headers, upgrade_protocol(response->headers));
            if (details) rec.response_headers = response->headers;
            http::response<http::empty_body> res{http::status::switching_protocols, version};
            copy_fields(response->headers, res);  // checked by check_response_head(): cannot throw
            auto [hec, hn] = co_await http::async_write(stream, res, as_tuple_awaitable);
            (void)hn;
            raw_relay_options plain;  // named: see serve_tcp_connection on GCC 12 and coroutine arguments
            if (hec) x->cancel(make_error_code(error::stream_cancelled));
            else co_await relay_raw(stream, buffer, x, std::move(plain));
            keep_alive = false;
        } else {
            if (!upgrade.empty())  // the target declined the upgrade: end the request direction
                if (auto ec = co_await x->finish_body()) x->cancel(ec);
            status = response->status;
            remove_hop_by_hop(response->headers);
            if (details) rec.response_headers = response->headers;
            auto outcome = co_await write_response(stream, *x, *response, version, keep_alive, head_request,
                                                   details ? &rec.response_body_start : nullptr);
            if (!outcome.head_written) {  // nothing reached the caller yet: it gets a clean 502
                status = 502;
                keep_alive = co_await write_error(stream, status, outcome.failure, false, version, html);
            }
            failure = std::move(outcome.failure);
            keep_alive = outcome.reusable && keep_alive && up->complete;
        }
    } catch (...) {
        escaped = std::current_exception();
        x->cancel(make_error_code(error::stream_cancelled));
        keep_alive = false;
    }

    if (!up->finished.done()) {
        // The response is over but the caller is still sending: stop reading it.
        x->cancel(make_error_code(error::stream_cancelled));
        beast::get_lowest_layer(stream).cancel();
        co_await up->finished.wait();
        keep_alive = false;
    }
    if (escaped) std::rethrow_exception(escaped);  // logged once, at the connection's root
    rec.request_body_start = std::move(up->start);
    rec.bytes_in = x->bytes_in;
    rec.bytes_out = x->bytes_out;
    finish(status, failure);
    co_return keep_alive;
}

template awaitable<bool> write_error<beast::tcp_stream>(beast::tcp_stream&, unsigned, std::string_view, bool, unsigned, bool);
template awaitable<bool> write_error<tls_stream>(tls_stream&, unsigned, std::string_view, bool, unsigned, bool);
template awaitable<bool> serve_ingress<beast::tcp_stream>(tunnel_server&, beast::tcp_stream&, beast::flat_buffer&,
                                                         header_parser&, std::string, std::string,
                                                         std::string_view);
template awaitable<bool> serve_ingress<tls_stream>(tunnel_server&, tls_stream&, beast::flat_buffer&, header_parser&,
                                                  std::string, std::string, std::string_view);

}  // namespace tunely::server
