// Protocol 2 on the client side (spec/PROTOCOL.md §2): each OPEN becomes one
// streamed call to the target; bodies flow as DATA under per-stream credit.
// A raw OPEN of kind TCP (§2.15, `tunely/2+tcp`) becomes one connection to the
// TCP target, relayed both ways by the same code as an upgraded stream (§2.12);
// one of kind UDP (`tunely/2+udp`) becomes one UDP socket connected to the UDP
// target, one DATA frame per datagram both ways (udp_relay.hpp).
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <spdlog/spdlog.h>

#include <unordered_map>

#include "client_session.hpp"
#include "target_call.hpp"
#include "udp_relay.hpp"
#include "tunely/core/error.hpp"
#include "tunely/protocol/limits.hpp"
#include "tunely/protocol/v2_batch.hpp"
#include "tunely/protocol/v2_codec.hpp"
#include "tunely/protocol/v2_errors.hpp"
#include "tunely/transport/http_body_writer.hpp"
#include "tunely/transport/spawn.hpp"
#include "tunely/transport/stream.hpp"

namespace tunely::client {
namespace {
namespace v2 = protocol::v2;
namespace beast = boost::beast;
using protocol::v2_max_data_payload;

enum class stream_kind {
    http,  // an HTTP exchange (or an upgrade)
    tcp,   // a raw TCP stream (counted against max_tcp_connections)
    udp,   // a raw UDP stream (counted against max_udp_sessions)
};

// A stream this client serves: the protocol's state (credit both ways, the
// request body received) is transport::stream's; this adds the target
// connection a RESET must abort (a UDP stream: its socket and its datagrams).
struct client_stream {
    client_stream(const executor& ex, v2::stream_id id, std::weak_ptr<transport::outbox> out)
        : flow(ex, id, std::move(out)) {}
    transport::stream flow;
    beast::tcp_stream* target = nullptr;  // to abort the target call on cancel
    stream_kind kind = stream_kind::http;
    std::shared_ptr<udp_target_session> udp;  // kind udp: from the OPEN on (DATA may come before RESPONSE)

    v2::stream_id id() const noexcept { return flow.id(); }
    // Reset by the server, or the session ended.
    bool cancelled() const noexcept { return flow.aborted(); }
    void abort() {
        flow.abort(make_error_code(error::stream_cancelled));
        if (target) target->cancel();
        if (udp) udp->stop();
    }
};

class session_v2 final : public client_session {
public:
    session_v2(std::shared_ptr<transport::ws_channel> channel, std::shared_ptr<target_pool> pool,
               client_options options, client_events events, bool tcp, bool udp)
        : client_session(std::move(channel), std::move(pool), std::move(options), std::move(events)),
          tcp_(tcp),
          udp_(udp) {}

protected:
    void on_frame(std::string_view payload, bool text) override {
        if (text) {
            spdlog::warn("text frame after protocol 2 negotiation ignored");
            return;
        }
        if (!v2::for_each_frame(payload, [this](std::string_view frame) { on_one_frame(frame); }))
            spdlog::warn("dropped malformed BATCH");
    }

    void on_one_frame(std::string_view payload) {
        auto f = v2::decode(payload);
        if (!f) {
            spdlog::warn("dropped malformed frame: {}", f.error().message());
            return;
        }
        std::visit([this](auto& m) { handle(m); }, *f);
    }

    void send_ping() override { outbox_.push_binary(v2::encode(v2::ping{++pings_})); }

    void on_ended() override {
        auto all = std::move(streams_);
        streams_.clear();
        tcp_streams_ = 0;
        udp_streams_ = 0;
        for (auto& [id, st] : all) st->abort();
    }

private:
    void handle(v2::open& f) {
        if (ended() || streams_.count(f.id)) return;
        if (f.raw && !accept_raw(f)) return;
        auto st = std::make_shared<client_stream>(get_executor(), f.id, outbox_ref());
        if (f.raw) st->kind = f.method == v2::method_udp ? stream_kind::udp : stream_kind::tcp;
        if (st->kind == stream_kind::udp) {
            st->udp = std::make_shared<udp_target_session>(get_executor());
        } else if (!st->flow.receive(std::move(f.body), f.end_stream)) {
            // The first request-body bytes may come inline (BODY flag); END_STREAM: no body.
            outbox_.push_binary(v2::encode(v2::reset{f.id, v2::reset_code::flow_control, "request body beyond window"}));
            return;
        }
        streams_.emplace(f.id, st);
        if (st->kind == stream_kind::tcp) ++tcp_streams_;
        if (st->kind == stream_kind::udp) ++udp_streams_;
        spawn_stream(serve(st, std::move(f)));
    }

    // A raw OPEN (§2.15): TCP when tunely/2+tcp was negotiated, within max_tcp_connections; UDP when
    // tunely/2+udp was, within max_udp_sessions; anything else is refused before any processing.
    bool accept_raw(const v2::open& f) {
        auto refuse = [&](std::string message) {
            outbox_.push_binary(v2::encode(v2::reset{f.id, v2::reset_code::refused, std::move(message)}));
            return false;
        };
        if (f.method == v2::method_tcp) {
            if (!tcp_) return refuse("Raw TCP streams not supported: tunely/2+tcp was not negotiated");
            if (tcp_streams_ >= max_tcp_connections) return refuse("Too many TCP connections through this client");
            return true;
        }
        if (f.method == v2::method_udp) {
            if (!udp_) return refuse("Raw UDP streams not supported: tunely/2+udp was not negotiated");
            if (udp_streams_ >= max_udp_sessions) return refuse("Too many UDP sessions through this client");
            return true;
        }
        return refuse("Raw " + f.method + " streams not supported by this client");
    }

    void handle(v2::data& f) {
        auto it = streams_.find(f.id);
        if (it == streams_.end()) return;
        auto& st = *it->second;
        if (st.kind == stream_kind::udp) return on_datagram(st, f);
        if (!st.flow.receive(std::move(f.bytes), f.end_stream))
            reset(f.id, v2::reset_code::flow_control, "request body beyond window");
    }

    // DATA on a UDP stream: one datagram for the target (a zero-length one too), charged against the
    // window we granted and granted back once sent (or dropped: the queue is full while the socket is being
    // connected or the target's socket does not keep up). END_STREAM ends the session once the datagrams
    // before it went (§2.15: not used on UDP streams; taken as the end).
    void on_datagram(client_stream& st, v2::data& f) {
        const auto size = f.bytes.size();
        if (!st.flow.receive_datagram(size))
            return reset(f.id, v2::reset_code::flow_control, "datagrams beyond window");
        if (!st.udp->push(std::move(f.bytes))) st.flow.consumed(size);
        if (f.end_stream) st.udp->finish();
    }

    void handle(v2::window& f) {
        auto it = streams_.find(f.id);
        if (it == streams_.end()) return;
        it->second->flow.grant(f.increment);
    }

    void handle(v2::reset& f) { abort_stream(f.id); }

    void handle(v2::ping& f) { outbox_.push_binary(v2::encode(v2::pong{f.opaque})); }
    void handle(v2::pong&) {}
    // The server is going away: finish the streams in flight, then end this session;
    // tunnel_client reconnects at once (went_away()).
    void handle(v2::goaway&) {
        went_away_ = true;
        close_if_gone();
    }

    void close_if_gone() {
        if (went_away_ && streams_.empty()) connection::close(1000, "Going away");
    }

    void forget(v2::stream_id id) {
        if (auto it = streams_.find(id); it != streams_.end()) {
            if (it->second->kind == stream_kind::tcp) --tcp_streams_;
            if (it->second->kind == stream_kind::udp) --udp_streams_;
            streams_.erase(it);
        }
        close_if_gone();
    }

    void handle(v2::response& f) { reset(f.id, v2::reset_code::protocol_error, "RESPONSE from server"); }

    void reset(v2::stream_id id, v2::reset_code code, std::string message) {
        outbox_.push_binary(v2::encode(v2::reset{id, code, std::move(message)}));
        abort_stream(id);
    }

    // Stops a stream's target call and forgets it (the one place besides forget() that drops one).
    void abort_stream(v2::stream_id id) {
        auto it = streams_.find(id);
        if (it == streams_.end()) return;
        auto st = it->second;
        forget(id);
        st->abort();
    }

    void fail(client_stream& st, error e, std::string message, request_summary& summary) {
        if (st.cancelled()) return;
        summary.error = message;
        summary.status = http_status_hint(e);
        reset(st.id(), v2::to_reset_code(e), std::move(message));
    }

    static std::string too_large_head(const header_list& fields) {
        return "Target response head too large for the tunnel (" + std::to_string(fields.size()) +
               " fields; at most " + std::to_string(protocol::v2_max_headers) + " fields and " +
               std::to_string(protocol::v2_max_head_bytes) + " bytes)";
    }

    static unsigned http_status_hint(error e) {
        switch (e) {
        case error::target_unavailable: return 503;
        case error::target_timeout: return 504;
        default: return 502;
        }
    }

    // Tunnel → target: the caller's bytes, credit granted as they are written;
    // the end of the request direction half-closes the target connection.
    awaitable<void> tunnel_to_target(std::shared_ptr<client_stream> st, std::shared_ptr<beast::tcp_stream> conn,
                                     std::shared_ptr<transport::done_signal> writer) {
        auto self = shared_from_this();
        for (;;) {
            auto next = co_await st->flow.received().next();
            if (st->cancelled() || !next) break;
            if (!*next) {  // the caller's direction ended
                boost::system::error_code ignored;
                conn->socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
                break;
            }
            auto [ec, n] = co_await asio::async_write(*conn, asio::buffer(**next), as_tuple_awaitable);
            if (ec) {  // a broken connection is a RESET (§2.12, §2.15); a cancelled stream is over already
                if (!st->cancelled())
                    reset(st->id(), v2::reset_code::target_error, "Target connection broken: " + ec.message());
                break;
            }
            st->flow.consumed(n);
        }
        writer->set();
    }

    // Raw bytes both ways on a connected target, until both directions ended or the stream is reset: an
    // upgraded connection after the target's 101 (§2.12) or a raw TCP stream after RESPONSE 200 (§2.15).
    // The server's bytes, held in the stream's window meanwhile, go to the target by a writer beside this
    // (its END_STREAM half-closes the target connection); the target's bytes go out as DATA under the
    // server's credit, its EOF as DATA END_STREAM. After that EOF an upgraded stream is over (the server
    // stops reading its caller); a TCP stream still relays the server's bytes until its END_STREAM.
    // `early`: bytes the target sent with its 101. Returns false when the stream was reset (either way).
    awaitable<bool> relay_raw(std::shared_ptr<client_stream> st, std::shared_ptr<beast::tcp_stream> conn,
                              std::string_view early, bool half_close) {
        st->target = conn.get();  // a RESET aborts the relay's reads and writes
        target_guard guard{st};
        auto writer = std::make_shared<transport::done_signal>(get_executor());  // joined below
        spawn_stream(tunnel_to_target(st, conn, writer));
        bool ok = true;
        if (!early.empty()) ok = co_await st->flow.send(early, false);
        bool ended = false;  // the target's direction ended (END_STREAM sent)
        // Not zero-filled: every byte is written by the read before it is used.
        auto chunk = std::make_unique_for_overwrite<char[]>(v2_max_data_payload);
        while (ok && !st->cancelled()) {
            auto [ec, n] = co_await conn->async_read_some(asio::buffer(chunk.get(), v2_max_data_payload),
                                                         as_tuple_awaitable);
            if (n > 0 && !co_await st->flow.send(std::string_view(chunk.get(), n), false)) break;
            if (ec == asio::error::eof) {
                ended = co_await st->flow.send({}, true);
                break;
            }
            if (ec) {
                if (!st->cancelled()) reset(st->id(), v2::reset_code::target_error, "Target connection broken: " + ec.message());
                break;
            }
        }
        if (!(ended && half_close)) {
            // The target side is over: nothing the caller still sends can be delivered.
            st->flow.abort(make_error_code(error::stream_cancelled));
            conn->cancel();
        }
        co_await writer->wait();  // TCP after the target's EOF: until the server's END_STREAM (or a RESET)
        const bool reset_either_way = st->cancelled();
        st->flow.abort(make_error_code(error::stream_cancelled));  // both directions ended: nothing is waiting
        co_return !reset_either_way;
    }

    // After the target's 101: RESPONSE 101, then raw bytes both ways until the
    // target closes (DATA with END_STREAM) or the stream is reset.
    awaitable<void> relay_upgraded(std::shared_ptr<client_stream> st, target_pool::connection owned,
                                   beast::flat_buffer& buffer, header_list fields) {
        std::shared_ptr<beast::tcp_stream> conn(std::move(owned));
        outbox_.push_binary(v2::encode(v2::response{st->id(), false, 101, std::move(fields), {}}));
        std::string early;  // bytes the target sent right after its 101
        if (buffer.size() > 0) {
            early = beast::buffers_to_string(buffer.data());
            buffer.consume(buffer.size());
        }
        (void)co_await relay_raw(st, std::move(conn), early, false);
    }

    // How a raw stream is reported when it ends: its kind, the external peer the server names (else the
    // OPEN's target), the status 200 once connected (0 when it never was), its lifetime.
    static request_summary raw_summary(const v2::open& f) {
        request_summary summary;
        summary.method = f.method;
        const std::string* peer = f.headers.find("tunely-peer");
        summary.path = peer ? *peer : f.target;
        return summary;
    }

    // A raw TCP stream (§2.15): a new connection to the TCP target within the client's connect timeout
    // (and the OPEN's, when it gives one), RESPONSE 200 without fields, then relay_raw. Bytes the server
    // sent before RESPONSE wait in the stream's window and go first. No read timeout: an idle
    // connection's life is the server's business.
    awaitable<void> serve_tcp(std::shared_ptr<client_stream> st, v2::open f) {
        const auto started = std::chrono::steady_clock::now();
        request_summary summary = raw_summary(f);
        auto done = [&] {
            summary.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - started);
            forget(st->id());
            report(summary);
        };
        auto limit = options_.connect_timeout;
        if (f.timeout_ms != 0) limit = std::min(limit, std::chrono::milliseconds(f.timeout_ms));

        // The connection exists before the attempt: a RESET meanwhile cancels it (client_stream::abort).
        auto conn = std::make_shared<beast::tcp_stream>(get_executor());
        st->target = conn.get();
        target_guard guard{st};  // declared after conn: clears the pointer before conn is destroyed
        boost::system::error_code failed;
        if (!st->cancelled()) failed = co_await pool_->connect_tcp(*conn, limit);
        if (st->cancelled()) {
            done();
            co_return;
        }
        if (failed) {
            if (failed == beast::error::timeout) fail(*st, error::target_timeout, "Target service timeout", summary);
            else fail(*st, error::target_unavailable, "Target service unavailable: " + failed.message(), summary);
            summary.status = 0;  // a raw stream has no HTTP status; 0: it never connected
            done();
            co_return;
        }
        outbox_.push_binary(v2::encode(v2::response{st->id(), false, 200, {}, {}}));
        summary.status = 200;
        if (!co_await relay_raw(st, conn, std::string_view(), true)) summary.error = "Connection reset";
        done();
    }

    // A raw UDP stream (§2.15): a UDP socket connected to the UDP target, RESPONSE 200 without fields, then
    // one DATA per datagram both ways. The server's datagrams (held in the session's queue meanwhile, at most
    // a window of them) go to the target by a writer beside this loop; the target's go out as DATA only when
    // the server's credit covers them and the outbox is below its high-water mark, else they are dropped
    // (never waited for). It ends with a RESET from the server (its idle timeout), its END_STREAM (answered
    // RESET cancel), the session's end, or a fatal socket error (RESET target_error); an ICMP error for a
    // datagram is ignored, as UDP does. No read timeout here: the server's idle timeout ends idle sessions.
    awaitable<void> serve_udp(std::shared_ptr<client_stream> st, v2::open f) {
        const auto started = std::chrono::steady_clock::now();
        request_summary summary = raw_summary(f);
        auto udp = st->udp;
        auto done = [&] {
            udp->stop();
            summary.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - started);
            forget(st->id());
            report(summary);
        };
        boost::system::error_code failed;
        if (!st->cancelled()) failed = co_await pool_->connect_udp(udp->socket());
        if (st->cancelled()) {
            done();
            co_return;
        }
        if (failed) {
            fail(*st, error::target_unavailable, "Target service unavailable: " + failed.message(), summary);
            summary.status = 0;  // a raw stream has no HTTP status; 0: it never had its socket
            done();
            co_return;
        }
        outbox_.push_binary(v2::encode(v2::response{st->id(), false, 200, {}, {}}));
        summary.status = 200;
        auto writer = std::make_shared<transport::done_signal>(get_executor());  // joined below
        spawn_stream(udp_to_target(st, writer));
        std::size_t dropped = 0;
        auto ec = co_await udp->receive([&](std::string_view datagram) {
            if (!st->flow.try_send_datagram(datagram)) ++dropped;
        });
        if (ec && !st->cancelled()) {
            summary.error = "Target socket error: " + ec.message();
            reset(st->id(), v2::reset_code::target_error, summary.error);
        }
        if (dropped > 0) spdlog::debug("stream {}: {} datagrams from the target dropped (no credit or outbox room)",
                                       st->id(), dropped);
        st->flow.abort(make_error_code(error::stream_cancelled));
        udp->stop();
        co_await writer->wait();
        done();
    }

    // Server → target for a UDP stream: each datagram sent, its credit granted back as it went.
    awaitable<void> udp_to_target(std::shared_ptr<client_stream> st, std::shared_ptr<transport::done_signal> writer) {
        auto self = shared_from_this();
        auto ec = co_await st->udp->send([&](std::size_t n) { st->flow.consumed(n); });
        if (!st->cancelled()) {
            if (ec) reset(st->id(), v2::reset_code::target_error, "Target socket error: " + ec.message());
            else if (st->udp->finished()) reset(st->id(), v2::reset_code::cancel, "End of UDP session");
        }
        writer->set();
    }

    // Serves one stream; whatever escapes it resets the stream, so neither the
    // server's exchange nor our stream table is left behind.
    awaitable<void> serve(std::shared_ptr<client_stream> st, v2::open f) {
        auto self = shared_from_this();
        std::string escaped;
        try {
            switch (st->kind) {
            case stream_kind::tcp: co_await serve_tcp(st, std::move(f)); break;
            case stream_kind::udp: co_await serve_udp(st, std::move(f)); break;
            case stream_kind::http: co_await serve_stream(st, std::move(f)); break;
            }
        } catch (const std::exception& e) {
            escaped = e.what();
        }
        if (escaped.empty()) co_return;
        spdlog::error("stream {}: {}", st->id(), escaped);
        if (!st->cancelled()) reset(st->id(), v2::reset_code::internal, "Tunnel client error");
        forget(st->id());
    }

    awaitable<void> serve_stream(std::shared_ptr<client_stream> st, v2::open f) {
        const auto started = std::chrono::steady_clock::now();
        request_summary summary{f.method, f.target};
        auto done = [&] {
            summary.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - started);
            forget(st->id());
            report(summary);
        };
        auto timeout = f.timeout_ms ? std::chrono::milliseconds(f.timeout_ms) : options_.default_request_timeout;

        auto acquired = co_await pool_->acquire(options_.connect_timeout);
        if (!acquired) {
            fail(*st, error::target_unavailable, "Target service unavailable: " + acquired.error().message(), summary);
            done();
            co_return;
        }
        auto conn = std::move(*acquired);
        if (st->cancelled()) {
            done();
            co_return;
        }
        st->target = conn.get();
        target_guard guard{st};  // declared after conn: clears the pointer before conn is destroyed

        // An upgrade (WebSocket, §2.12): the request goes with its Connection/Upgrade fields and no body;
        // the stream's DATA are the caller's raw bytes once the target answered 101.
        const std::string upgrade = upgrade_protocol(f.headers);
        const bool has_body = !f.end_stream && upgrade.empty();
        const bool head_request = f.method == "HEAD";
        std::string request_head;
        request_head.reserve(256 + 64 * f.headers.size());
        const auto framing = append_target_request_head(request_head, pool_->address(), f.method, f.target,
                                                         f.headers, upgrade, has_body);
        conn->expires_after(timeout);  // covers sending the request and receiving the response head

        transport::http_body_writer<beast::tcp_stream> writer(*conn, std::move(request_head), framing);
        boost::system::error_code ec;
        if (!has_body) {
            ec = co_await writer.write_head();
        } else {
            // The head leaves with the first body bytes (a small request is one write).
            auto& received = st->flow.received();
            for (;;) {
                auto next = co_await received.next();
                if (st->cancelled() || !next) break;
                std::string chunk = *next ? std::move(**next) : std::string();
                bool last = !*next || (received.ended() && received.empty());
                if (auto wec = co_await writer.write(chunk, last)) {
                    ec = wec;
                    break;
                }
                st->flow.consumed(chunk.size());
                if (last) break;
            }
        }
        if (st->cancelled()) {
            done();
            co_return;
        }
        if (ec) {
            fail(*st, classify_target_error(ec, true), "Target service error: " + ec.message(), summary);
            done();
            co_return;
        }

        // Beast reads as much as the buffer's free room (512 bytes from an empty one): a small response's head and
        // body in one read. A body that goes on gets room for whole DATA frames below. (Reserving 64 KiB here made
        // every request's allocation a large one, and glibc consolidated its free lists each time.)
        beast::flat_buffer buffer;
        buffer.reserve(4096);
        http::response_parser<http::buffer_body> parser;
        parser.body_limit(boost::none);
        if (head_request) parser.skip(true);
        auto [rec, rn] = co_await http::async_read_header(*conn, buffer, parser, as_tuple_awaitable);
        (void)rn;
        conn->expires_never();
        if (rec || st->cancelled()) {
            if (rec == beast::error::timeout) fail(*st, error::target_timeout, "Target service timeout", summary);
            else fail(*st, error::target_error, "Target service error: " + rec.message(), summary);
            done();
            co_return;
        }
        auto& res = parser.get();
        summary.status = res.result_int();
        if (res.result_int() < 100 || res.result_int() > 599) {  // protocol 2 cannot carry it (spec §2.4.2)
            fail(*st, error::target_error, "Target sent an invalid status (" + std::to_string(res.result_int()) + ")",
                 summary);
            done();
            co_return;
        }
        if (!upgrade.empty() && res.result_int() == 101) {
            st->target = nullptr;  // the relay owns cancellation from here
            auto fields = response_fields(res.base());  // end-to-end fields, then the upgrade's own two again
            keep_only_upgrade_hop_fields(fields, std::string(res[http::field::upgrade]));
            if (!v2::head_fits(fields)) {
                fail(*st, error::target_error, too_large_head(fields), summary);
                done();
                co_return;
            }
            co_await relay_upgraded(st, std::move(conn), buffer, std::move(fields));
            done();
            co_return;
        }
        // Body bytes that arrived with the head travel inside RESPONSE: a small
        // response is one message instead of two.
        std::string first;
        if (!parser.is_done() && buffer.size() > 0) {
            // Parsed from what is already buffered (no socket operation, no timer), straight into RESPONSE's body:
            // the body bytes are never more than the bytes buffered.
            first.resize(std::min(buffer.size(), v2_max_data_payload));
            res.body().data = first.data();
            res.body().size = first.size();
            boost::system::error_code fec;
            buffer.consume(parser.put(buffer.data(), fec));
            if (fec == http::error::need_buffer || fec == http::error::need_more) fec = {};
            if (fec || st->cancelled()) {
                if (!st->cancelled()) fail(*st, error::target_error, "Target response broken: " + fec.message(), summary);
                done();
                co_return;
            }
            first.resize(first.size() - res.body().size);
            st->flow.spend(first.size());
        }
        v2::response head{st->id(), parser.is_done(), static_cast<std::uint16_t>(res.result_int()),
                          response_fields(res.base()), std::move(first)};
        if (!v2::head_fits(head.headers)) {  // the server gets 502 for this one request; we go on
            fail(*st, error::target_error, too_large_head(head.headers), summary);
            done();
            co_return;
        }
        outbox_.push_binary(v2::encode(head));

        bool ok = true;
        std::unique_ptr<char[]> chunk;
        if (!parser.is_done()) {
            // Not zero-filled: every byte is written by the read before it is used.
            chunk = std::make_unique_for_overwrite<char[]>(v2_max_data_payload);
            buffer.reserve(v2_max_data_payload);
        }
        while (!parser.is_done()) {
            res.body().data = chunk.get();
            res.body().size = v2_max_data_payload;
            conn->expires_after(options_.target_read_timeout);
            auto [bec, bn] = co_await http::async_read_some(*conn, buffer, parser, as_tuple_awaitable);
            (void)bn;
            conn->expires_never();  // the wait for credit below is the caller's pace, not the target's
            if (bec == http::error::need_buffer) bec = {};
            if (bec || st->cancelled()) {
                if (!st->cancelled())
                    fail(*st, error::target_error,
                         bec == beast::error::timeout ? "Target response stalled" : "Target response broken: " + bec.message(),
                         summary);
                ok = false;
                break;
            }
            auto got = v2_max_data_payload - res.body().size;
            if (!co_await st->flow.send(std::string_view(chunk.get(), got), parser.is_done())) {
                ok = false;
                break;
            }
        }
        st->target = nullptr;
        if (ok && parser.keep_alive() && !st->cancelled() && upgrade.empty()) pool_->release(std::move(conn));
        done();
    }

    std::unordered_map<v2::stream_id, std::shared_ptr<client_stream>> streams_;
    std::size_t tcp_streams_ = 0;  // raw TCP streams in streams_
    std::size_t udp_streams_ = 0;  // raw UDP streams in streams_
    const bool tcp_;               // tunely/2+tcp negotiated
    const bool udp_;               // tunely/2+udp negotiated
    std::uint64_t pings_ = 0;
};

}  // namespace

std::shared_ptr<client_session> make_client_session_v2(std::shared_ptr<transport::ws_channel> channel,
                                                       std::shared_ptr<target_pool> pool,
                                                       const client_options& options, const client_events& events,
                                                       bool batching, bool tcp, bool udp) {
    auto s = std::make_shared<session_v2>(std::move(channel), std::move(pool), options, events, tcp, udp);
    if (batching) s->enable_batching();
    return s;
}

}  // namespace tunely::client
