// Protocol 1.1 on the server side (spec/PROTOCOL.md §1): whole request bodies
// in one `request` frame, responses as `response` or stream_start/chunk/end.
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <unordered_map>

#include "response_check.hpp"
#include "session.hpp"
#include "tunely/core/base64.hpp"
#include "tunely/core/error.hpp"
#include "tunely/core/utf8.hpp"
#include "tunely/core/uuid.hpp"
#include "tunely/protocol/v1_binary.hpp"
#include "tunely/protocol/v1_codec.hpp"
#include "tunely/protocol/v1_headers.hpp"

namespace tunely::server {
namespace {
namespace v1 = protocol::v1;

// The original Python client (websockets' default max_size) closes the whole
// connection with 1009 on a message above 1 MiB: such a request gets 413 here
// and the session lives on.
constexpr std::size_t v1_max_request_message = 1024 * 1024;

// The original server hands the client the caller's fields with names in lower
// case and without Host and Content-Length (the client sets its own; the Python
// client re-encodes JSON bodies, so a forwarded length would be wrong).
header_list request_fields_for_v1(const header_list& fields) {
    header_list out = v1::fold_for_v1(fields);
    out.erase("host");
    out.erase("content-length");
    for (auto& f : out.fields()) f.name = to_lower(f.name);
    return out;
}

// A 1.1 body is decoded text, always: the original clients' HTTP libraries (httpx, fetch) decode a
// gzip/deflate/br body of the target but forward its Content-Encoding, and our client asks its target for
// an identity body. The field is dropped so that a caller is never told the text is compressed. Returns
// whether a coding other than identity was named (the client's Content-Length then counted coded bytes).
bool drop_content_coding(header_list& headers) {
    const std::string* coding = headers.find("content-encoding");
    if (!coding) return false;
    const bool coded = !coding->empty() && to_lower(*coding) != "identity";
    headers.erase("content-encoding");
    return coded;
}

class session_v1;

// An exchange over protocol 1.1: the handle knows its request id; the request
// body is buffered here (1.1 sends it whole, in one `request` frame). A TCP
// connection of a TCP listener (kind tcp) is one too, as the original 0.12
// carries it (tunely-0.12.md §2.3-2.5): tcp_connect (no answer: the "response"
// head is there at once), tcp_data both ways, tcp_close ending both directions
// (1.1 has no half-close).
class exchange_v1 final : public exchange {
public:
    exchange_v1(const executor& ex, request_head head, std::string id, std::weak_ptr<session_v1> owner)
        : exchange(ex, std::move(head)), id_(std::move(id)), owner_(std::move(owner)), body_(ex) {}

    const std::string& id() const noexcept { return id_; }
    bool tcp() const noexcept { return request().kind == stream_kind::tcp; }
    bool udp() const noexcept { return request().kind == stream_kind::udp; }

protected:
    transport::body_queue& response_body() noexcept override { return body_; }
    awaitable<std::error_code> send(std::string_view bytes, bool last) override;
    void on_cancel(std::error_code reason) override;
    bool try_send_datagram(std::string_view datagram) override;

private:
    friend class session_v1;
    std::string id_;
    std::weak_ptr<session_v1> owner_;
    std::string request_body_;   // HTTP: the whole body, sent with the request
    std::int64_t sequence_ = 0;  // TCP: tcp_data sent, for the JSON form's `sequence`
    transport::body_queue body_;
};

class session_v1 final : public session {
public:
    using session::session;

    result<std::shared_ptr<exchange>> open_exchange(request_head head) override {
        if (closed()) return make_error_code(error::tunnel_disconnected);
        if (draining_) return make_error_code(error::tunnel_not_connected);  // going away: as if offline (503)
        if (head.kind == stream_kind::tcp) return open_tcp(std::move(head));
        if (head.kind == stream_kind::udp) return open_udp(std::move(head));
        if (head.upgrade) return make_error_code(error::upgrade_not_supported);  // 1.1 has no way to carry one
        if (pending_.size() >= options_.max_streams_per_session) return make_error_code(error::too_many_streams);
        auto x = std::make_shared<exchange_v1>(get_executor(), std::move(head), generate_uuid(),
                                               std::static_pointer_cast<session_v1>(shared_from_this()));
        pending_.emplace(x->id(), x);
        ++live_.requests;
        live_.http_streams = static_cast<std::int64_t>(pending_.size());
        return x;
    }

    // 1.1 has no GOAWAY: the session closes (1001) once its pending requests are answered.
    void go_away() override {
        draining_ = true;
        close_if_drained();
    }

    // Sends the whole request once its body is complete.
    awaitable<std::error_code> send_request(exchange_v1& x, std::string_view bytes, bool last) {
        if (!pending_.count(x.id())) co_return make_error_code(error::tunnel_disconnected);
        if (x.request_body_.size() + bytes.size() > options_.v1_max_body)
            co_return make_error_code(error::body_too_large);
        x.request_body_.append(bytes);
        if (!last) co_return std::error_code();
        if (!is_valid_utf8(x.request_body_)) co_return make_error_code(error::body_not_utf8);
        v1::request req;
        req.id = x.id();
        req.method = x.request().method;
        req.path = x.request().target;
        req.headers = request_fields_for_v1(x.request().headers);
        const auto body_bytes = static_cast<std::int64_t>(x.request_body_.size());
        if (!x.request_body_.empty()) {
            // A client that JSON-decodes `body` gets a JSON string literal of the exact text, which it
            // decodes back to that text (spec §1.6); the 1 MiB check below counts the escaped frame.
            if (info_.json_string_bodies) req.body = boost::json::serialize(boost::json::string_view(x.request_body_));
            else req.body = std::move(x.request_body_);
            x.request_body_.clear();
        }
        auto timeout = x.request().timeout.count() > 0 ? x.request().timeout : options_.request_timeout;
        req.timeout = static_cast<double>(timeout.count()) / 1000.0;
        auto frame = v1::encode(req);
        if (frame.size() > v1_max_request_message) co_return make_error_code(error::body_too_large);
        // A client that stopped reading holds requests back here, not in the outbox.
        auto self = shared_from_this();
        co_await outbox_.wait_below(bulk_high_water);
        if (!pending_.count(x.id())) co_return make_error_code(error::tunnel_disconnected);
        live_.bytes_in += body_bytes;
        outbox_.push_text(std::move(frame));
        co_return std::error_code();
    }

    // 1.1 has no cancel message: forget the id so a late reply is dropped.
    void cancel(const std::string& id) { finish(id); }

    // Caller bytes towards the client, or (last) the caller's end of input: tcp_close, which ends the
    // connection both ways. Waits while the outbox is above its high-water mark (a client that does not
    // read holds the caller back here).
    awaitable<std::error_code> send_tcp(exchange_v1& x, std::string_view bytes, bool last) {
        auto self = shared_from_this();
        if (!tcp_.count(x.id())) co_return make_error_code(error::tunnel_disconnected);
        if (last) {
            end_tcp(x.id(), std::nullopt);
            x.deliver_body({}, true);
            co_return std::error_code();
        }
        co_await outbox_.wait_below(bulk_high_water);
        if (!tcp_.count(x.id())) co_return make_error_code(error::tunnel_disconnected);
        live_.bytes_in += static_cast<std::int64_t>(bytes.size());
        if (info_.binary_frames) {
            outbox_.push_binary(v1::encode_binary(v1::binary_kind::tcp_data, x.id(), bytes));
        } else {
            outbox_.push_text(v1::encode(v1::tcp_data{x.id(), base64_encode(bytes), x.sequence_++}));
        }
        co_return std::error_code();
    }

    // The caller side gave up (gone, idle): tell the client, forget the id.
    void cancel_tcp(const std::string& id) { end_tcp(id, std::nullopt); }

    // A datagram towards the client as a binary udp_data message, or dropped when the outbox is above
    // its high-water mark (a client that does not read loses datagrams, as UDP may).
    bool send_udp(exchange_v1& x, std::string_view datagram) {
        if (!udp_.count(x.id()) || outbox_.closing() || outbox_.queued_bytes() > bulk_high_water) return false;
        live_.bytes_in += static_cast<std::int64_t>(datagram.size());
        outbox_.push_binary(v1::encode_binary(v1::binary_kind::udp_data, x.id(), datagram));
        return true;
    }

    // The listener ended the UDP session (idle timeout, shutdown): udp_close tells the client.
    void cancel_udp(const std::string& id, std::error_code reason) {
        if (!udp_.erase(id)) return;
        live_.udp_sessions = static_cast<std::int64_t>(udp_.size());
        outbox_.push_text(v1::encode(v1::udp_close{id, reason == error::idle_timeout ? "idle timeout" : reason.message()}));
        close_if_drained();
    }

protected:
    void on_frame(std::string_view payload, bool text) override {
        if (!text) {
            auto m = info_.binary_frames ? v1::decode_binary(payload) : std::nullopt;
            if (m && m->kind == v1::binary_kind::tcp_data) return on_tcp_bytes(m->id, std::move(m->payload));
            if (m && m->kind == v1::binary_kind::udp_data) return on_udp_datagram(m->id, std::move(m->payload));
            spdlog::debug("session {}: binary message dropped", info_.domain);
            return;
        }
        auto msg = v1::decode(payload);
        if (!msg) {
            spdlog::warn("session {}: dropped malformed frame: {}", info_.domain, msg.error().message());
            return;
        }
        std::visit([this](auto& m) { handle(m); }, *msg);
    }

    void send_ping() override { outbox_.push_text(v1::encode(v1::ping{})); }

    void fail_all(std::error_code reason) override {
        auto all = std::move(pending_);
        pending_.clear();
        live_.http_streams = 0;
        for (auto& [id, x] : all) x->fail(reason);
        auto tcp = std::move(tcp_);
        tcp_.clear();
        live_.tcp_connections = 0;
        for (auto& [id, x] : tcp) x->fail(reason);
        auto udp = std::move(udp_);
        udp_.clear();
        live_.udp_sessions = 0;
        for (auto& [id, x] : udp) x->fail(reason);
    }

private:
    // A 1.1 response is always final: interim (1xx) heads are as invalid as a bad field.
    bool accept_head(exchange& x, response_head& head, const std::string& id) {
        std::string why = "a second response head for the request";
        auto verdict = x.head_delivered() ? head_verdict::invalid : check_response_head(head, x.request(), why);
        if (verdict == head_verdict::final_response) return true;
        if (verdict == head_verdict::interim) why = "interim status " + std::to_string(head.status);
        spdlog::warn("session {}: {} {} (id {}): invalid response: {}", info_.domain, x.request().method,
                     x.request().target, id, why);
        x.fail(make_error_code(error::invalid_response));
        return false;
    }

    void finish(const std::string& id) {
        if (!pending_.erase(id)) return;
        live_.http_streams = static_cast<std::int64_t>(pending_.size());
        close_if_drained();
    }

    void close_if_drained() {
        if (draining_ && pending_.empty() && tcp_.empty() && udp_.empty()) close(1001, "Server shutting down");
    }

    // --- TCP connections and UDP sessions (tunely-0.12.md §2, §3) ---
    // There is no answer to tcp_connect or udp_open: the stream is open at once (a failed target connect
    // arrives as tcp_close / udp_close with an error).
    result<std::shared_ptr<exchange>> open_tcp(request_head head) {
        if (!info_.tcp) return make_error_code(error::tcp_not_supported);
        return open_raw(std::move(head), tcp_, options_.max_tcp_connections, live_.tcp_connections,
                        [](const std::string& id) { return v1::encode(v1::tcp_connect{id}); });
    }

    result<std::shared_ptr<exchange>> open_udp(request_head head) {
        if (!info_.udp) return make_error_code(error::udp_not_supported);
        return open_raw(std::move(head), udp_, options_.max_udp_sessions, live_.udp_sessions,
                        [](const std::string& id) { return v1::encode(v1::udp_open{id}); });
    }

    // `table` holds the kind's streams, `limit` caps them (0: none), `count` mirrors its size for the admin API.
    template <class OpenMessage>
    result<std::shared_ptr<exchange>> open_raw(request_head head,
                                               std::unordered_map<std::string, std::shared_ptr<exchange_v1>>& table,
                                               std::size_t limit, std::atomic<std::int64_t>& count, OpenMessage open_message) {
        if (limit && table.size() >= limit) return make_error_code(error::too_many_connections);
        auto x = std::make_shared<exchange_v1>(get_executor(), std::move(head), generate_uuid(),
                                               std::static_pointer_cast<session_v1>(shared_from_this()));
        table.emplace(x->id(), x);
        count = static_cast<std::int64_t>(table.size());
        outbox_.push_text(open_message(x->id()));
        x->deliver_head(response_head{200, {}, true, std::nullopt});
        return x;
    }

    // A datagram from the target: queued for the listener, dropped beyond --v1-stream-buffer bytes waiting
    // (1.1 has no flow control; UDP may lose).
    void on_udp_datagram(const std::string& id, std::string datagram) {
        auto it = udp_.find(id);
        if (it == udp_.end()) return;
        if (it->second->buffered_bytes() + datagram.size() > options_.v1_stream_buffer) return;
        live_.bytes_out += static_cast<std::int64_t>(datagram.size());
        it->second->deliver_body(std::move(datagram), false);
    }

    // The client ended the session (its socket failed): the listener forgets the peer.
    void handle(v1::udp_close& m) {
        auto it = udp_.find(m.session_id);
        if (it == udp_.end()) return;
        auto x = it->second;
        udp_.erase(it);
        live_.udp_sessions = static_cast<std::int64_t>(udp_.size());
        spdlog::debug("session {}: UDP session {} closed by the client: {}", info_.domain, m.session_id,
                      m.reason.value_or("").substr(0, 200));
        x->fail(make_error_code(error::target_error));
        close_if_drained();
    }

    // Sends tcp_close and forgets the connection (its exchange is ended or failed by the caller).
    void end_tcp(const std::string& id, std::optional<std::string> why) {
        if (!tcp_.erase(id)) return;
        live_.tcp_connections = static_cast<std::int64_t>(tcp_.size());
        outbox_.push_text(v1::encode(v1::tcp_close{id, std::move(why)}));
        close_if_drained();
    }

    // Bytes from the target. 1.1 has no flow control: past --v1-stream-buffer bytes queued for a caller
    // that reads slower than they arrive, its connection is cut (the original kills it at 64 chunks).
    void on_tcp_bytes(const std::string& id, std::string bytes) {
        auto it = tcp_.find(id);
        if (it == tcp_.end()) return;  // unknown ids are dropped (§2.3)
        auto x = it->second;
        if (x->buffered_bytes() + bytes.size() > options_.v1_stream_buffer) {
            spdlog::warn("session {}: TCP connection {}: the caller reads slower than the target sends; cut after "
                         "{} bytes buffered", info_.domain, id, x->buffered_bytes());
            end_tcp(id, "the external connection reads too slowly");
            x->fail(make_error_code(error::flow_control_violation));
            return;
        }
        live_.bytes_out += static_cast<std::int64_t>(bytes.size());
        x->deliver_body(std::move(bytes), false);
    }

    void handle(v1::tcp_data& m) {
        if (!tcp_.count(m.conn_id)) return;
        auto bytes = base64_decode(m.data);
        if (!bytes) {
            spdlog::warn("session {}: TCP connection {}: tcp_data is not base64", info_.domain, m.conn_id);
            auto x = tcp_.at(m.conn_id);
            end_tcp(m.conn_id, "tcp_data is not base64");
            x->fail(make_error_code(error::target_error));
            return;
        }
        on_tcp_bytes(m.conn_id, std::move(*bytes));
    }

    // The client ended the connection: the target closed (error null) or could not be reached / failed.
    // The caller gets what was queued, then the end; after an error, its connection is closed at once.
    void handle(v1::tcp_close& m) {
        auto it = tcp_.find(m.conn_id);
        if (it == tcp_.end()) return;  // also the echo of our own tcp_close
        auto x = it->second;
        tcp_.erase(it);
        live_.tcp_connections = static_cast<std::int64_t>(tcp_.size());
        if (m.error) {
            spdlog::info("session {}: TCP connection {} closed by the client: {}", info_.domain, m.conn_id,
                         m.error->substr(0, 200));
            x->fail(make_error_code(error::target_unavailable), *m.error);
        } else {
            x->deliver_body({}, true);
        }
        close_if_drained();
    }

    void handle(v1::response& m) {
        auto it = pending_.find(m.id);
        if (it == pending_.end()) return;  // unknown or another session's id: ignored
        auto x = it->second;
        finish(m.id);
        response_head head;
        head.status = static_cast<unsigned>(m.status);
        head.headers = std::move(m.headers);
        if (!accept_head(*x, head, m.id)) return;
        const bool coded = drop_content_coding(head.headers);
        std::string body;
        if (m.body) {
            body = std::move(*m.body);
        } else if (m.error) {
            body = boost::json::serialize(boost::json::object{{"error", *m.error}});
            head.headers.set("Content-Type", "application/json");
        }
        head.headers.erase("transfer-encoding");
        if (x->request().method == "HEAD" && body.empty()) {
            // No body, but the length a GET would have had (RFC 9110 §9.3.2, §8.6): the client's
            // Content-Length (the target's, checked by accept_head) is kept; when it counted coded
            // bytes (a GET would carry the decoded text) there is none, never a wrong one or 0.
            if (coded) head.headers.erase("content-length");
            head.content_length.reset();
            head.has_body = false;
        } else {
            // The body is exact text now: its length is ours to state.
            head.headers.set("Content-Length", std::to_string(body.size()));
            head.content_length = body.size();
            head.has_body = !body.empty();
        }
        live_.bytes_out += static_cast<std::int64_t>(body.size());
        x->deliver_head(std::move(head));
        if (!body.empty()) x->deliver_body(std::move(body), true);
    }

    void handle(v1::stream_start& m) {
        auto it = pending_.find(m.id);
        if (it == pending_.end()) return;
        response_head head;
        head.status = static_cast<unsigned>(m.status);
        head.headers = std::move(m.headers);
        head.headers.erase("content-length");
        head.headers.erase("transfer-encoding");
        drop_content_coding(head.headers);
        auto x = it->second;
        if (!accept_head(*x, head, m.id)) {
            finish(m.id);
            return;
        }
        x->deliver_head(std::move(head));
    }

    void handle(v1::stream_chunk& m) {
        auto it = pending_.find(m.id);
        if (it == pending_.end()) return;
        auto x = it->second;
        if (!x->head_delivered()) {
            spdlog::warn("session {}: stream_chunk before stream_start for {} {}", info_.domain,
                         x->request().method, x->request().target);
            finish(m.id);
            x->fail(make_error_code(error::invalid_response));
            return;
        }
        // 1.1 has no flow control: stream_chunk arrives as fast as the client sends it. Past the
        // cap, the slow caller's response is cut (the session and its other exchanges go on).
        if (x->buffered_bytes() + m.data.size() > options_.v1_stream_buffer) {
            spdlog::warn("session {}: {} {}: caller reads slower than the 1.1 stream arrives; "
                         "response cut after {} bytes buffered", info_.domain, x->request().method,
                         x->request().target, x->buffered_bytes());
            finish(m.id);
            x->fail(make_error_code(error::flow_control_violation));
            return;
        }
        live_.bytes_out += static_cast<std::int64_t>(m.data.size());
        x->deliver_body(std::move(m.data), false);
    }

    void handle(v1::stream_end& m) {
        auto it = pending_.find(m.id);
        if (it == pending_.end()) return;
        auto x = it->second;
        finish(m.id);
        if (m.error) x->fail(make_error_code(error::target_error));
        else x->deliver_body({}, true);
    }

    void handle(v1::ping& m) { outbox_.push_text(v1::encode(v1::pong{m.timestamp})); }
    void handle(v1::pong&) {}

    template <class Other>
    void handle(Other& m) {
        spdlog::debug("session {}: ignored unexpected '{}' frame", info_.domain, v1::type_name(m));
    }

    std::unordered_map<std::string, std::shared_ptr<exchange_v1>> pending_;
    std::unordered_map<std::string, std::shared_ptr<exchange_v1>> tcp_;
    std::unordered_map<std::string, std::shared_ptr<exchange_v1>> udp_;
    bool draining_ = false;
};

awaitable<std::error_code> exchange_v1::send(std::string_view bytes, bool last) {
    auto self = shared_from_this();
    auto owner = owner_.lock();
    if (!owner) co_return make_error_code(error::tunnel_disconnected);
    if (tcp()) co_return co_await owner->send_tcp(*this, bytes, last);
    co_return co_await owner->send_request(*this, bytes, last);
}

void exchange_v1::on_cancel(std::error_code reason) {
    auto owner = owner_.lock();
    if (!owner) return;
    if (tcp()) owner->cancel_tcp(id_);
    else if (udp()) owner->cancel_udp(id_, reason);
    else owner->cancel(id_);
}

bool exchange_v1::try_send_datagram(std::string_view datagram) {
    auto owner = owner_.lock();
    return owner && udp() && owner->send_udp(*this, datagram);
}

}  // namespace

std::shared_ptr<session> make_session_v1(std::shared_ptr<transport::ws_channel> channel,
                                         session_info info, const server_options& options) {
    return std::make_shared<session_v1>(std::move(channel), std::move(info), options);
}

}  // namespace tunely::server
