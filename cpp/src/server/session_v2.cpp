// Protocol 2 on the server side (spec/PROTOCOL.md §2): binary frames, streams
// opened by OPEN, bodies as DATA under per-stream credit, RESET both ways.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <unordered_map>

#include "response_check.hpp"
#include "session.hpp"
#include "tunely/core/error.hpp"
#include "tunely/protocol/limits.hpp"
#include "tunely/protocol/v2_batch.hpp"
#include "tunely/protocol/v2_codec.hpp"
#include "tunely/protocol/v2_errors.hpp"
#include "tunely/transport/stream.hpp"

namespace tunely::server {
namespace {
namespace v2 = protocol::v2;
using protocol::v2_initial_window;

class session_v2;

// An exchange over protocol 2: the handle knows its stream, whose flow control
// is transport::stream's; it reaches the session only through a weak_ptr.
class exchange_v2 final : public exchange {
public:
    exchange_v2(const executor& ex, request_head head, std::shared_ptr<transport::stream> st,
                std::weak_ptr<session_v2> owner)
        : exchange(ex, std::move(head)), stream_(std::move(st)), owner_(std::move(owner)) {}

    transport::stream& stream() noexcept { return *stream_; }
    bool half_close() const noexcept override { return request().kind == stream_kind::tcp; }
    bool request_ended = false;   // END_STREAM sent (a TCP stream is done once both directions ended)
    bool response_ended = false;  // the client's END_STREAM arrived

protected:
    transport::body_queue& response_body() noexcept override { return stream_->received(); }
    awaitable<std::error_code> send(std::string_view bytes, bool last) override;
    void on_read(std::size_t n) override { stream_->consumed(n); }
    bool try_send_datagram(std::string_view datagram) override;
    void on_cancel(std::error_code reason) override;
    void on_failed(std::error_code reason) override { stream_->abort(reason); }

private:
    std::shared_ptr<transport::stream> stream_;
    std::weak_ptr<session_v2> owner_;
};

class session_v2 final : public session {
public:
    using session::session;

    result<std::shared_ptr<exchange>> open_exchange(request_head head) override {
        if (closed()) return make_error_code(error::tunnel_disconnected);
        if (draining_) return make_error_code(error::tunnel_not_connected);  // going away: as if offline (503)
        if (head.upgrade && !info_.upgrades) return make_error_code(error::upgrade_not_supported);
        const bool tcp = head.kind == stream_kind::tcp;
        const bool udp = head.kind == stream_kind::udp;
        if (tcp && !info_.tcp) return make_error_code(error::tcp_not_supported);
        if (udp && !info_.udp) return make_error_code(error::udp_not_supported);
        // TCP connections and UDP sessions have their own limits; they do not take HTTP exchanges' room.
        if (tcp && options_.max_tcp_connections &&
            static_cast<std::size_t>(live_.tcp_connections) >= options_.max_tcp_connections)
            return make_error_code(error::too_many_connections);
        if (udp && options_.max_udp_sessions &&
            static_cast<std::size_t>(live_.udp_sessions) >= options_.max_udp_sessions)
            return make_error_code(error::too_many_connections);
        if (!tcp && !udp &&
            streams_.size() - static_cast<std::size_t>(live_.tcp_connections + live_.udp_sessions) >=
                options_.max_streams_per_session)
            return make_error_code(error::too_many_streams);
        if (next_id_ > last_stream_id) {
            // Ids are never reused (spec §2.4): this session is done. Clients reconnect on GOAWAY.
            drain("stream ids exhausted");
            return make_error_code(error::tunnel_not_connected);
        }
        auto id = static_cast<v2::stream_id>(next_id_);
        next_id_ += 2;  // server-opened streams are odd
        v2::open f;
        f.id = id;
        f.end_stream = !head.has_body;
        auto timeout = tcp || udp                ? options_.tcp_connect_timeout
                       : head.timeout.count() > 0 ? head.timeout
                                                  : options_.request_timeout;
        f.timeout_ms = static_cast<std::uint32_t>(std::min<std::int64_t>(timeout.count(), UINT32_MAX));
        if (tcp || udp) {  // spec §2.15: the kind names the stream; the fields only inform the client
            head.has_body = true;
            f.end_stream = false;
            f.raw = true;
            f.method = tcp ? v2::method_tcp : v2::method_udp;
            f.target = "/";
            if (!head.peer.empty()) f.headers.add("tunely-peer", head.peer);
            if (head.listener_port) f.headers.add("tunely-listener", std::to_string(head.listener_port));
        } else {
            f.method = head.method;
            f.target = head.target;
            f.headers = head.headers;
        }
        if (!v2::head_fits(f.headers, f.target.size())) return make_error_code(error::headers_too_large);
        auto bytes = v2::encode(f);
        auto ex = get_executor();
        auto x = std::make_shared<exchange_v2>(ex, std::move(head),
                                               std::make_shared<transport::stream>(ex, id, outbox_ref()),
                                               std::static_pointer_cast<session_v2>(shared_from_this()));
        streams_.emplace(id, x);
        if (tcp) ++live_.tcp_connections;
        else if (udp) ++live_.udp_sessions;
        else {
            ++live_.requests;
            ++live_.http_streams;
        }
        outbox_.push_binary(std::move(bytes));
        return x;
    }

    void go_away() override { drain("server shutting down"); }

    // The ingress gave up on stream `id`: RESET tells the client.
    void cancel(v2::stream_id id, std::error_code reason) {
        if (!streams_.count(id)) return;
        auto code = reason.category() == error_category()
                        ? v2::to_reset_code(static_cast<error>(reason.value()))
                        : v2::reset_code::cancel;
        outbox_.push_binary(v2::encode(v2::reset{id, code, reason.message()}));
        forget(id);
    }

    void count_sent(std::size_t n) { live_.bytes_in += static_cast<std::int64_t>(n); }

    // A TCP stream sent its END_STREAM: done if the client's has arrived too.
    void request_ended(v2::stream_id id) {
        auto x = find(id);
        if (!x) return;
        x->request_ended = true;
        if (x->response_ended) forget(id);
    }

protected:
    void on_frame(std::string_view payload, bool text) override {
        if (text) {
            spdlog::warn("session {}: text frame after protocol 2 negotiation ignored", info_.domain);
            return;
        }
        if (!v2::for_each_frame(payload, [this](std::string_view frame) { on_one_frame(frame); }))
            spdlog::warn("session {}: dropped malformed BATCH", info_.domain);
    }

    void on_one_frame(std::string_view payload) {
        auto f = v2::decode(payload);
        if (!f) {
            spdlog::warn("session {}: dropped malformed frame: {}", info_.domain, f.error().message());
            // A head we cannot accept (bad field, too large) still names its stream: fail that
            // exchange now (502) instead of letting it wait for its deadline.
            if (auto id = v2::frame_stream_id(payload); id && find(*id)) reject(*id, "malformed frame");
            return;
        }
        std::visit([this](auto& m) { handle(m); }, *f);
    }

    void send_ping() override { outbox_.push_binary(v2::encode(v2::ping{++ping_counter_})); }

    void fail_all(std::error_code reason) override {
        auto all = std::move(streams_);
        streams_.clear();
        live_.tcp_connections = 0;
        live_.udp_sessions = 0;
        live_.http_streams = 0;
        for (auto& [id, x] : all) {
            x->fail(reason);
            x->stream().abort(reason);  // also when the response had ended: a request upload stops
        }
    }

private:
    std::shared_ptr<exchange_v2> find(v2::stream_id id) {
        auto it = streams_.find(id);
        return it == streams_.end() ? nullptr : it->second;
    }

    // Drops the stream from the table (its exchange has ended or failed before this).
    void forget(v2::stream_id id) {
        auto it = streams_.find(id);
        if (it == streams_.end()) return;
        if (it->second->request().kind == stream_kind::tcp) --live_.tcp_connections;
        if (it->second->request().kind == stream_kind::udp) --live_.udp_sessions;
        if (it->second->request().kind == stream_kind::http) --live_.http_streams;
        streams_.erase(it);
        close_if_drained();
    }

    // The client ended its response (END_STREAM): the stream is done; a request
    // body still being sent stops. A TCP stream goes on until its request direction ended too (half-close).
    void finish(exchange_v2& x) {
        if (x.half_close() && !x.request_ended) {
            x.response_ended = true;
            return;
        }
        x.stream().abort(make_error_code(error::stream_cancelled));  // the body ended: readers still get it all
        forget(x.stream().id());
    }

    // The peer's body bytes: the stream checks them against the credit we granted.
    bool receive(exchange_v2& x, std::string bytes, bool end) {
        auto n = static_cast<std::int64_t>(bytes.size());
        if (!x.stream().receive(std::move(bytes), end)) {
            x.fail(make_error_code(error::flow_control_violation));
            reset(x.stream().id(), v2::reset_code::flow_control, "window exceeded");
            return false;
        }
        live_.bytes_out += n;
        return true;
    }

    void handle(v2::response& f) {
        auto x = find(f.id);
        if (!x) return;  // unknown, finished or another session's stream: ignored
        if (x->head_delivered()) return reject(f.id, "second RESPONSE on the stream");
        const bool has_body = !f.end_stream || !f.body.empty();
        response_head head{f.status, std::move(f.headers), has_body};
        std::string why;
        switch (check_response_head(head, x->request(), why)) {
        case head_verdict::invalid: return reject(f.id, why);
        case head_verdict::interim:
            // 1xx: not the answer. The caller got its own 100 Continue if it asked for one.
            if (f.end_stream || !f.body.empty()) return reject(f.id, "interim response with END_STREAM or a body");
            return;
        case head_verdict::final_response: break;
        }
        // The inline body first: a window violation fails the exchange before its head is out.
        if (has_body && !receive(*x, std::move(f.body), f.end_stream)) return;
        x->deliver_head(std::move(head));
        if (f.end_stream) finish(*x);
    }

    void handle(v2::data& f) {
        auto x = find(f.id);
        if (!x) return;
        if (!x->head_delivered()) {
            x->fail(make_error_code(error::target_error));
            return reset(f.id, v2::reset_code::protocol_error, "DATA before RESPONSE");
        }
        if (receive(*x, std::move(f.bytes), f.end_stream) && f.end_stream) finish(*x);
    }

    void handle(v2::window& f) {
        if (auto x = find(f.id)) x->stream().grant(f.increment);
    }

    void handle(v2::reset& f) {
        auto x = find(f.id);
        if (!x) return;
        x->fail(make_error_code(v2::to_error(f.code)), f.message);
        forget(f.id);
    }

    void handle(v2::ping& f) { outbox_.push_binary(v2::encode(v2::pong{f.opaque})); }
    void handle(v2::pong&) {}
    void handle(v2::goaway&) {  // the client is leaving: no new streams, close once these are done
        draining_ = true;
        close_if_drained();
    }

    void handle(v2::open& f) {
        // Client-opened streams are reserved for future use (spec §2.4).
        outbox_.push_binary(v2::encode(v2::reset{f.id, v2::reset_code::refused, "not supported"}));
    }

    void reset(v2::stream_id id, v2::reset_code code, std::string message) {
        outbox_.push_binary(v2::encode(v2::reset{id, code, std::move(message)}));
        forget(id);
    }

    // The client broke HTTP's or the protocol's rules on one stream: that exchange fails with
    // 502, the client is told (RESET protocol_error), the session and its other streams go on.
    void reject(v2::stream_id id, const std::string& why) {
        auto x = find(id);
        if (!x) return;
        spdlog::warn("session {}: stream {} ({} {}): invalid response: {}", info_.domain, id, x->request().method,
                     x->request().target, why);
        x->fail(make_error_code(error::invalid_response));
        reset(id, v2::reset_code::protocol_error, why.substr(0, protocol::v2_max_reset_message));
    }

    // No new streams; GOAWAY tells the client, which reconnects; the session closes once the
    // streams in flight have ended.
    void drain(const char* why) {
        if (!draining_) {
            spdlog::info("session {}: draining: {}", info_.domain, why);
            outbox_.push_binary(v2::encode(v2::goaway{last_opened(), v2::reset_code::cancel, why}));
            draining_ = true;
        }
        close_if_drained();
    }

    void close_if_drained() {
        if (draining_ && streams_.empty()) close(1000, "Going away");
    }

    v2::stream_id last_opened() const {
        return next_id_ > 1 ? static_cast<v2::stream_id>(std::min<std::uint64_t>(next_id_ - 2, last_stream_id)) : 0;
    }

    std::unordered_map<v2::stream_id, std::shared_ptr<exchange_v2>> streams_;
    static constexpr std::uint64_t last_stream_id = UINT32_MAX;
    std::uint64_t next_id_ = options_.first_stream_id | 1;  // server-opened ids are odd
    std::uint64_t ping_counter_ = 0;
    bool draining_ = false;
};

awaitable<std::error_code> exchange_v2::send(std::string_view bytes, bool last) {
    if (!request().has_body) co_return std::error_code();
    auto self = shared_from_this();
    if (!co_await stream_->send(bytes, last)) {
        if (auto why = failure()) co_return why;
        co_return make_error_code(error::stream_cancelled);  // the response ended first
    }
    if (auto owner = owner_.lock()) {
        owner->count_sent(bytes.size());
        if (last && half_close()) owner->request_ended(stream_->id());
    }
    co_return std::error_code();
}

bool exchange_v2::try_send_datagram(std::string_view datagram) {
    if (!stream_->try_send_datagram(datagram)) return false;
    if (auto owner = owner_.lock()) owner->count_sent(datagram.size());
    return true;
}

void exchange_v2::on_cancel(std::error_code reason) {
    if (auto owner = owner_.lock()) owner->cancel(stream_->id(), reason);
}

}  // namespace

std::shared_ptr<session> make_session_v2(std::shared_ptr<transport::ws_channel> channel,
                                         session_info info, const server_options& options) {
    const bool batching = info.batching;
    auto s = std::make_shared<session_v2>(std::move(channel), std::move(info), options);
    if (batching) s->enable_batching();
    return s;
}

}  // namespace tunely::server
