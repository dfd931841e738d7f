// Protocol 1.1 on the client side (spec/PROTOCOL.md §1): whole request bodies
// in; `response` out, or stream_start/chunk/end when the target answers with
// text/event-stream. Beside HTTP, an original 0.12 server's TCP mode
// (tcp_connect/tcp_data/tcp_close) and UDP sessions (udp_open/udp_close and
// binary udp_data; tunely-0.12.md §2, §3), which our server speaks too.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <spdlog/spdlog.h>

#include <unordered_map>

#include "client_session.hpp"
#include "target_call.hpp"
#include "tunely/transport/http_body_writer.hpp"
#include "udp_relay.hpp"
#include "tunely/core/base64.hpp"
#include "tunely/core/error.hpp"
#include "tunely/core/utf8.hpp"
#include "tunely/core/uuid.hpp"
#include "tunely/protocol/v1_binary.hpp"
#include "tunely/protocol/v1_codec.hpp"
#include "tunely/protocol/v1_headers.hpp"
#include "tunely/transport/body_queue.hpp"
#include "tunely/transport/spawn.hpp"

namespace tunely::client {
namespace {
namespace v1 = protocol::v1;
namespace beast = boost::beast;

struct call_state {
    beast::tcp_stream* target = nullptr;  // valid while serve() owns the connection (see target_guard)
    bool cancelled = false;
};

// One external TCP connection an original 0.12 server carries in TCP mode (tunely-0.12.md §2.3): bytes from
// the server wait in `to_target` for the writer; 1.1 has no flow control, so past tcp_buffer_cap the connection
// is ended with an error (the original server itself kills a socket whose queue passes 64 chunks).
constexpr std::size_t tcp_buffer_cap = 8 * 1024 * 1024;
constexpr std::size_t tcp_read_size = 64 * 1024;
// Connections relayed at once per session: max_tcp_connections (tunnel_client.hpp, shared with protocol 2);
// a server sending tcp_connect without end gets tcp_close for the ones beyond, not a target connection each.

struct tcp_conn {
    explicit tcp_conn(const executor& ex) : to_target(ex), writer(ex) {}
    transport::body_queue to_target;
    beast::tcp_stream* target = nullptr;  // valid while relay_tcp() owns the connection (see target_guard)
    bool stopped = false;
    transport::done_signal writer;  // tcp_to_target() ended; relay_tcp() joins it

    // Ends both directions: the writer's wait and the target's reads and writes.
    void stop() {
        if (stopped) return;
        stopped = true;
        to_target.fail(make_error_code(error::stream_cancelled));
        if (target) target->cancel();
    }
};

// One UDP session of the server (udp_open, tunely-0.12.md §3): its datagrams go to a socket connected to the
// UDP target, binary udp_data both ways. Datagrams from the target go out only while the outbox is below its
// high-water mark (the original bounds its replies at 64 per session): beyond, they are dropped.
struct udp_conn {
    udp_conn(const executor& ex, std::string wire_id) : wire_id(std::move(wire_id)), io(ex), writer(ex) {}
    std::string wire_id;  // the session_id as the server wrote it (udp_close carries it back)
    udp_target_session io;
    transport::done_signal writer;  // udp_to_target() ended; relay_udp() joins it
};

// The key of a UDP session: its session_id in canonical lower-case form (binary udp_data carry the 16 bytes
// only); empty when it is not a UUID (no binary message could name it).
std::string udp_key(std::string_view session_id) {
    auto bytes = parse_uuid(session_id);
    return bytes ? format_uuid(*bytes) : std::string();
}

// The body bytes for the target when the server JSON-encodes `request.body` (an original server, see
// tunnel_client.cpp): a JSON string stands for its text; any other JSON value (object, array, number,
// true/false: the original re-dumped a JSON body) is sent as the JSON text received. Text that is not JSON
// at all cannot come from such a server and is sent as it is.
std::string decode_json_body(std::string body) {
    const auto start = body.find_first_not_of(" \t\r\n");
    if (start == std::string::npos || body[start] != '"') return body;  // not a string: the JSON text itself
    boost::system::error_code ec;
    auto value = boost::json::parse(body, ec);
    if (ec || !value.is_string()) return body;
    return std::string(value.as_string());
}

class session_v1 final : public client_session {
public:
    session_v1(std::shared_ptr<transport::ws_channel> channel, std::shared_ptr<target_pool> pool,
               client_options options, client_events events, v1_features features)
        : client_session(std::move(channel), std::move(pool), std::move(options), std::move(events)),
          features_(features) {}

protected:
    void on_frame(std::string_view payload, bool text) override {
        if (!text) return on_binary(payload);
        auto msg = v1::decode(payload);
        if (!msg) {
            spdlog::warn("dropped malformed frame: {}", msg.error().message());
            return;
        }
        if (auto* r = std::get_if<v1::request>(&*msg)) {
            auto state = std::make_shared<call_state>();
            calls_[r->id] = state;
            spawn_stream(serve(std::move(*r), state));
        } else if (auto* p = std::get_if<v1::ping>(&*msg)) {
            outbox_.push_text(v1::encode(v1::pong{p->timestamp}));
        } else if (auto* tc = std::get_if<v1::tcp_connect>(&*msg)) {
            on_tcp_connect(*tc);
        } else if (auto* td = std::get_if<v1::tcp_data>(&*msg)) {
            on_tcp_data(*td);
        } else if (auto* tx = std::get_if<v1::tcp_close>(&*msg)) {
            on_tcp_close(*tx);
        } else if (auto* uo = std::get_if<v1::udp_open>(&*msg)) {
            on_udp_open(*uo);
        } else if (auto* ux = std::get_if<v1::udp_close>(&*msg)) {
            on_udp_close(*ux);
        }
    }

    // A binary message: dropped unless binary_frames was negotiated (spec §1.1); then tcp_data or udp_data
    // (v1_binary.hpp), and dropped too when it does not decode.
    void on_binary(std::string_view payload) {
        if (!features_.binary_frames) return;
        auto m = v1::decode_binary(payload);
        if (!m) {
            spdlog::debug("dropped undecodable binary message ({} bytes)", payload.size());
            return;
        }
        if (m->kind == v1::binary_kind::tcp_data) on_tcp_bytes(m->id, std::move(m->payload));
        else on_udp_data(m->id, std::move(m->payload));
    }

    void send_ping() override { outbox_.push_text(v1::encode(v1::ping{})); }

    void on_ended() override {
        for (auto& [id, c] : calls_) {
            c->cancelled = true;
            if (c->target) c->target->cancel();
        }
        calls_.clear();
        auto tcp = std::move(tcp_);
        tcp_.clear();
        for (auto& [id, c] : tcp) c->stop();
        auto udp = std::move(udp_);  // WS lost: every UDP session dropped silently (tunely-0.12.md §3)
        udp_.clear();
        for (auto& [id, u] : udp) u->io.stop();
    }

private:
    void reply_error(const std::string& id, int status, std::string message, std::int64_t duration_ms) {
        v1::response r;
        r.id = id;
        r.status = status;
        r.error = std::move(message);
        r.duration_ms = duration_ms;
        outbox_.push_text(v1::encode(r));
    }

    awaitable<void> serve(v1::request r, std::shared_ptr<call_state> state) {
        auto self = shared_from_this();
        const auto started = std::chrono::steady_clock::now();
        auto elapsed = [&] {
            return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
        };
        request_summary summary{r.method, r.path};
        auto finish = [&](unsigned status, std::string error = {}) {
            summary.status = status;
            summary.error = std::move(error);
            summary.duration = elapsed();
            calls_.erase(r.id);
            report(summary);
        };
        auto fail = [&](int status, std::string message) {
            if (state->cancelled) return;
            reply_error(r.id, status, message, elapsed().count());
            finish(static_cast<unsigned>(status), message);
        };

        if (r.path.empty() || r.path.front() != '/') {
            fail(400, "Path must start with '/'");
            co_return;
        }
        // 1.1 is JSON: nothing in its decoder keeps CR, LF or a space out of the method, path or fields, which
        // go into the target's request as they are (a server could smuggle a second request to the target).
        if (!is_token(r.method) || !has_no_cr_lf_nul(r.path) || r.path.find(' ') != std::string::npos ||
            check_fields(r.headers)) {
            fail(400, "Invalid request: method, path or header fields not allowed in HTTP");
            co_return;
        }
        auto timeout = r.timeout > 0 ? std::chrono::milliseconds(static_cast<std::int64_t>(r.timeout * 1000))
                                     : options_.default_request_timeout;
        auto acquired = co_await pool_->acquire(options_.connect_timeout);
        if (!acquired) {
            fail(503, "Target service unavailable: " + acquired.error().message());
            co_return;
        }
        auto conn = std::move(*acquired);
        state->target = conn.get();
        target_guard guard{state};  // declared after conn: clears the pointer before conn is destroyed

        // The head written flat (transport/http_head.hpp) and sent with the body in one write. A 1.1 body is
        // text: the target is asked for an identity body, whatever the caller accepts (the server drops
        // Content-Encoding from 1.1 answers; protocol 2 carries coded bodies as they are). The body is whole:
        // its length is ours, as Beast's prepare_payload() puts it (a length when there are bytes, or for
        // POST, PUT and OPTIONS; none for an empty GET).
        std::string body;
        if (r.body) body = features_.json_bodies ? decode_json_body(std::move(*r.body)) : std::move(*r.body);
        std::string request_head;
        request_head.reserve(256 + 64 * r.headers.size());
        append_target_request_start(request_head, pool_->address(), r.method, r.path, r.headers,
                                    [](std::string_view name) {
                                        return iequals(name, "accept-encoding") || iequals(name, "content-length");
                                    });
        transport::append_field(request_head, "Accept-Encoding", "identity");
        const bool declares_length = !body.empty() || r.method == "POST" || r.method == "PUT" || r.method == "OPTIONS";
        if (declares_length) transport::append_field(request_head, "Content-Length", std::to_string(body.size()));
        const auto framing = declares_length ? transport::body_framing::length : transport::body_framing::none;
        transport::end_head(request_head, framing);
        const bool head_request = r.method == "HEAD";
        conn->expires_after(timeout);
        transport::http_body_writer<beast::tcp_stream> writer(*conn, std::move(request_head), framing);
        auto wec = co_await writer.write(body, true);
        // Beast reads as much as the buffer's free room (512 bytes from an empty one): 4 KiB takes a small
        // response whole; a longer body gets 64 KiB below. (64 KiB for every request made each request's
        // allocation a large one, and glibc consolidated its free lists each time.)
        beast::flat_buffer buffer;
        buffer.reserve(4096);
        http::response_parser<http::empty_body> header;
        header.body_limit(boost::none);
        if (head_request) header.skip(true);
        boost::system::error_code rec = wec;
        if (!rec) std::tie(rec, std::ignore) = co_await http::async_read_header(*conn, buffer, header, as_tuple_awaitable);
        conn->expires_never();
        if (state->cancelled) co_return;
        if (rec) {
            if (rec == beast::error::timeout) fail(504, "Target service timeout");
            else fail(500, "Target service error: " + rec.message());
            co_return;
        }
        if (!header.is_done() && (!header.content_length() || *header.content_length() > buffer.capacity()))
            buffer.reserve(64 * 1024);
        const auto& head = header.get();
        const unsigned status = head.result_int();
        if (status < 100 || status > 599) {  // a 1.1 response must decode at the server: never send one that cannot
            fail(502, "Target sent an invalid status (" + std::to_string(status) + ")");
            co_return;
        }
        // We asked for identity; a target that codes its body anyway sends bytes 1.1 cannot carry as text. (A
        // bodyless answer passes: the server drops the field, and for HEAD the coded length with it.)
        const bool bodyless = head_request || status == 204 || status == 304;
        if (auto coding = head[http::field::content_encoding];
            !bodyless && !coding.empty() && !beast::iequals(coding, "identity")) {
            fail(502, "Target response is content-encoded (" + std::string(coding) +
                          ") although identity was asked for; protocol 1.1 carries only text");
            co_return;
        }
        auto headers = v1::fold_for_v1(response_fields(head.base()));
        // 1.1 frames are JSON text (UTF-8): header bytes that are not UTF-8 are read as ISO-8859-1.
        for (auto& f : headers.fields())
            if (!is_valid_utf8(f.value)) f.value = latin1_to_utf8(f.value);
        auto content_type = head[http::field::content_type];
        bool sse = content_type.substr(0, 17) == "text/event-stream";

        bool reusable = false;
        if (sse) {
            reusable = co_await relay_stream(r.id, status, std::move(headers), buffer, header, *conn, *state, summary);
        } else {
            // A declared length is checked before a byte of the body is read (the parser that read the
            // head had no limit, and the body parser would reserve the whole declared length).
            if (header.content_length() && *header.content_length() > options_.v1_max_body) {
                fail(502, "Target response too large for protocol 1.1");
                co_return;
            }
            http::response_parser<http::string_body> full(std::move(header));
            full.body_limit(options_.v1_max_body);
            boost::system::error_code bec;
            conn->expires_after(options_.target_read_timeout);  // the whole body (at most v1_max_body)
            if (!full.is_done()) std::tie(bec, std::ignore) = co_await http::async_read(*conn, buffer, full, as_tuple_awaitable);
            conn->expires_never();
            if (state->cancelled) co_return;
            if (bec == http::error::body_limit) {
                fail(502, "Target response too large for protocol 1.1");
                co_return;
            }
            if (bec) {
                fail(500, "Target service error: " + bec.message());
                co_return;
            }
            auto& body = full.get().body();
            if (!is_valid_utf8(body)) {
                fail(502, "Target response is binary; protocol 1.1 carries only UTF-8 text");
                co_return;
            }
            v1::response out;
            out.id = r.id;
            out.status = static_cast<int>(status);
            // The server states the length of the text it gets (an original server re-dumps JSON bodies and
            // would keep a stale one); a HEAD answer keeps the target's, the length a GET would have had.
            if (!head_request) headers.erase("content-length");
            out.headers = std::move(headers);
            if (!body.empty()) out.body = std::move(body);
            out.duration_ms = elapsed().count();
            outbox_.push_text(v1::encode(out));
            reusable = full.keep_alive();
            finish(status);
        }
        state->target = nullptr;
        if (reusable && !state->cancelled) pool_->release(std::move(conn));
    }

    // Streams an SSE response as stream_start / stream_chunk… / stream_end.
    awaitable<bool> relay_stream(const std::string& id, unsigned status, header_list headers, beast::flat_buffer& buffer,
                                 http::response_parser<http::empty_body>& header, beast::tcp_stream& conn,
                                 call_state& state, request_summary& summary) {
        const auto started = std::chrono::steady_clock::now();
        headers.erase("content-length");
        outbox_.push_text(v1::encode(v1::stream_start{id, static_cast<int>(status), std::move(headers)}));
        http::response_parser<http::buffer_body> parser(std::move(header));
        constexpr std::size_t chunk_bytes = 16 * 1024;
        // Not zero-filled: every byte is written by the read before it is used.
        auto chunk = std::make_unique_for_overwrite<char[]>(chunk_bytes);
        std::string pending;
        std::int64_t sequence = 0;
        std::optional<std::string> failure;
        while (!parser.is_done()) {
            parser.get().body().data = chunk.get();
            parser.get().body().size = chunk_bytes;
            conn.expires_after(options_.target_read_timeout);
            auto [ec, n] = co_await http::async_read_some(conn, buffer, parser, as_tuple_awaitable);
            conn.expires_never();
            (void)n;
            if (ec == http::error::need_buffer) ec = {};
            if (state.cancelled) co_return false;
            if (ec) {
                failure = "Target stream broken: " + ec.message();
                break;
            }
            pending.append(chunk.get(), chunk_bytes - parser.get().body().size);
            auto ready = complete_utf8_prefix(pending);
            if (!is_valid_utf8(std::string_view(pending).substr(0, ready))) {
                failure = "Target stream is not UTF-8";
                break;
            }
            if (ready > 0) {
                // 1.1 has no window: a server that stops reading holds the target back here.
                co_await outbox_.wait_below(bulk_high_water);
                if (state.cancelled) co_return false;
                outbox_.push_text(v1::encode(v1::stream_chunk{id, pending.substr(0, ready), sequence++}));
                pending.erase(0, ready);
            }
        }
        v1::stream_end end{id, failure, std::chrono::duration_cast<std::chrono::milliseconds>(
                                            std::chrono::steady_clock::now() - started).count(), sequence};
        outbox_.push_text(v1::encode(end));
        summary.status = status;
        summary.error = failure.value_or("");
        summary.duration = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
        calls_.erase(id);
        report(summary);
        co_return !failure && parser.keep_alive();
    }

    // --- TCP mode of an original 0.12 server (tunely-0.12.md §2.3-2.5): JSON tcp_data both ways, and
    // binary tcp_data from the server once binary_frames was negotiated (the original accepts JSON always) ---

    void on_tcp_connect(const v1::tcp_connect& m) {
        if (ended() || tcp_.count(m.conn_id)) return;
        if (tcp_.size() >= max_tcp_connections) {
            outbox_.push_text(v1::encode(v1::tcp_close{m.conn_id, "Too many TCP connections through this client"}));
            return;
        }
        auto c = std::make_shared<tcp_conn>(get_executor());
        tcp_.emplace(m.conn_id, c);
        spawn_stream(relay_tcp(m.conn_id, c));
    }

    void on_tcp_data(const v1::tcp_data& m) {
        if (!tcp_.count(m.conn_id)) return;  // unknown ids are dropped (§2.3)
        auto bytes = base64_decode(m.data);
        if (!bytes) return end_tcp(m.conn_id, "tcp_data is not base64");
        on_tcp_bytes(m.conn_id, std::move(*bytes));
    }

    // The bytes of a tcp_data, either form.
    void on_tcp_bytes(const std::string& conn_id, std::string bytes) {
        auto it = tcp_.find(conn_id);
        if (it == tcp_.end()) return;  // unknown ids are dropped (§2.3)
        auto& queue = it->second->to_target;
        if (queue.buffered_bytes() + bytes.size() > tcp_buffer_cap)
            return end_tcp(conn_id, "the target reads slower than the connection sends");
        queue.push(std::move(bytes), false);
    }

    // The server ended the connection: echo its tcp_close (§2.4), close the target side.
    void on_tcp_close(const v1::tcp_close& m) {
        auto it = tcp_.find(m.conn_id);
        if (it == tcp_.end()) return;
        outbox_.push_text(v1::encode(v1::tcp_close{m.conn_id, m.error}));
        auto c = it->second;
        tcp_.erase(it);
        c->stop();
    }

    // We end connection `id` (target EOF: no error; a failure: its text): tell the server, stop the relay.
    void end_tcp(const std::string& id, std::optional<std::string> error) {
        auto it = tcp_.find(id);
        if (it == tcp_.end()) return;
        outbox_.push_text(v1::encode(v1::tcp_close{id, std::move(error)}));
        auto c = it->second;
        tcp_.erase(it);
        c->stop();
    }

    // Target → server as tcp_data (waiting for room in the outbox: a server that stops reading stops the
    // target reads); server → target by the writer beside it, joined before this returns.
    awaitable<void> relay_tcp(std::string id, std::shared_ptr<tcp_conn> c) {
        auto self = shared_from_this();
        if (c->stopped) co_return;  // closed before this coroutine first ran
        // The connection exists before the attempt: a tcp_close meanwhile cancels it (stop()).
        auto conn = std::make_shared<beast::tcp_stream>(get_executor());
        c->target = conn.get();
        target_guard guard{c};  // declared after conn: clears the pointer before conn is destroyed
        auto failed = co_await pool_->connect_tcp(*conn, options_.connect_timeout);
        if (c->stopped) co_return;
        if (failed) {
            spdlog::warn("tcp connection {}: target connect failed: {}", id, failed.message());
            end_tcp(id, "Target connect failed: " + failed.message());
            co_return;
        }
        spawn_stream(tcp_to_target(id, c, conn));
        auto chunk = std::make_unique_for_overwrite<char[]>(tcp_read_size);  // written by each read before use
        std::int64_t sequence = 0;
        while (!c->stopped) {
            auto [ec, n] = co_await conn->async_read_some(asio::buffer(chunk.get(), tcp_read_size), as_tuple_awaitable);
            if (n > 0 && !c->stopped) {
                co_await outbox_.wait_below(bulk_high_water);
                if (c->stopped) break;
                outbox_.push_text(
                    v1::encode(v1::tcp_data{id, base64_encode(std::string_view(chunk.get(), n)), sequence++}));
            }
            if (ec) {
                if (ec == asio::error::eof) end_tcp(id, std::nullopt);
                else end_tcp(id, "Target connection broken: " + ec.message());
                break;
            }
        }
        c->stop();
        co_await c->writer.wait();
        c->target = nullptr;
    }

    awaitable<void> tcp_to_target(std::string id, std::shared_ptr<tcp_conn> c, std::shared_ptr<beast::tcp_stream> conn) {
        auto self = shared_from_this();
        for (;;) {
            auto next = co_await c->to_target.next();
            if (c->stopped || !next || !*next) break;
            auto [ec, n] = co_await asio::async_write(*conn, asio::buffer(**next), as_tuple_awaitable);
            (void)n;
            if (ec) {
                end_tcp(id, "Target write failed: " + ec.message());
                break;
            }
        }
        c->writer.set();
    }

    // --- UDP sessions of an original 0.12 server (tunely-0.12.md §3), with udp and binary_frames negotiated ---

    // A new session: a socket connected to the UDP target. A repeated udp_open for a live session is ignored
    // (as the original does); beyond max_udp_sessions, or with an id no binary message could carry, the
    // server gets udp_close at once. Without `udp` negotiated the server sends none (ignored, as the original).
    void on_udp_open(const v1::udp_open& m) {
        if (ended()) return;
        if (!features_.udp) {
            spdlog::debug("udp_open ignored: udp was not negotiated");
            return;
        }
        auto key = udp_key(m.session_id);
        if (key.empty()) {
            outbox_.push_text(v1::encode(v1::udp_close{m.session_id, "session_id is not a UUID"}));
            return;
        }
        if (udp_.count(key)) return;
        if (udp_.size() >= max_udp_sessions) {
            outbox_.push_text(v1::encode(v1::udp_close{m.session_id, "Too many UDP sessions through this client"}));
            return;
        }
        auto u = std::make_shared<udp_conn>(get_executor(), m.session_id);
        udp_.emplace(key, u);
        spawn_stream(relay_udp(key, u));
    }

    // One datagram for the target (dropped for an unknown session, or when the session's queue is full).
    void on_udp_data(const std::string& key, std::string payload) {
        auto it = udp_.find(key);
        if (it == udp_.end()) return;
        if (!it->second->io.push(std::move(payload))) spdlog::debug("udp session {}: datagram dropped", key);
    }

    // The server ended the session (idle timeout): dropped silently, no reply.
    void on_udp_close(const v1::udp_close& m) {
        auto it = udp_.find(udp_key(m.session_id));
        if (it == udp_.end()) return;
        auto u = it->second;
        udp_.erase(it);
        u->io.stop();
    }

    // We end session `key` (its socket failed): udp_close with the reason, then forget it.
    void end_udp(const std::string& key, const std::shared_ptr<udp_conn>& u, std::string reason) {
        auto it = udp_.find(key);
        if (it == udp_.end() || it->second != u) return;  // already closed (perhaps reopened since)
        outbox_.push_text(v1::encode(v1::udp_close{u->wire_id, std::move(reason)}));
        udp_.erase(it);
        u->io.stop();
    }

    // Target → server as binary udp_data, one per datagram, while the outbox is below its high-water mark
    // (never waiting: beyond, the datagram is dropped); server → target by the writer beside it. The reasons
    // of udp_close are the original's: "target socket failed" (no socket), "socket error: <text>".
    awaitable<void> relay_udp(std::string key, std::shared_ptr<udp_conn> u) {
        auto self = shared_from_this();
        boost::system::error_code failed;
        if (!u->io.stopped()) failed = co_await pool_->connect_udp(u->io.socket());
        if (u->io.stopped()) {
            u->io.stop();  // a socket the connect opened after the session ended
            co_return;
        }
        if (failed) {
            spdlog::warn("udp session {}: no socket to the UDP target: {}", key, failed.message());
            end_udp(key, u, "target socket failed");
            co_return;
        }
        spawn_stream(udp_to_target(key, u));
        std::size_t dropped = 0;
        auto ec = co_await u->io.receive([&](std::string_view datagram) {
            if (outbox_.queued_bytes() > bulk_high_water || ended()) {
                ++dropped;
                return;
            }
            outbox_.push_binary(v1::encode_binary(v1::binary_kind::udp_data, key, datagram));
        });
        if (ec) end_udp(key, u, "socket error: " + ec.message());
        if (dropped > 0) spdlog::debug("udp session {}: {} datagrams from the target dropped", key, dropped);
        u->io.stop();
        co_await u->writer.wait();
    }

    awaitable<void> udp_to_target(std::string key, std::shared_ptr<udp_conn> u) {
        auto self = shared_from_this();
        auto ec = co_await u->io.send([](std::size_t) {});
        if (ec) end_udp(key, u, "socket error: " + ec.message());
        u->writer.set();
    }

    std::unordered_map<std::string, std::shared_ptr<call_state>> calls_;
    std::unordered_map<std::string, std::shared_ptr<tcp_conn>> tcp_;
    std::unordered_map<std::string, std::shared_ptr<udp_conn>> udp_;  // by udp_key()
    const v1_features features_;
};

}  // namespace

std::shared_ptr<client_session> make_client_session_v1(std::shared_ptr<transport::ws_channel> channel,
                                                       std::shared_ptr<target_pool> pool,
                                                       const client_options& options, const client_events& events,
                                                       v1_features features) {
    return std::make_shared<session_v1>(std::move(channel), std::move(pool), options, events, features);
}

}  // namespace tunely::client
