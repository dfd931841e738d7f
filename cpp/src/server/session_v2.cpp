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

namespace tunely::server {
namespace {
namespace v2 = protocol::v2;
using protocol::v2_initial_window;
using protocol::v2_max_data_payload;

class session_v2 final : public session {
public:
    using session::session;

    result<std::shared_ptr<exchange>> open_exchange(request_head head) override {
        if (closed()) return make_error_code(error::tunnel_disconnected);
        if (draining_) return make_error_code(error::tunnel_not_connected);  // going away: as if offline (503)
        if (head.upgrade && !info_.upgrades) return make_error_code(error::upgrade_not_supported);
        if (streams_.size() >= options_.max_streams_per_session) return make_error_code(error::too_many_streams);
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
        auto timeout = head.timeout.count() > 0 ? head.timeout : options_.request_timeout;
        f.timeout_ms = static_cast<std::uint32_t>(std::min<std::int64_t>(timeout.count(), UINT32_MAX));
        f.method = head.method;
        f.target = head.target;
        f.headers = head.headers;
        if (!v2::head_fits(f.headers, f.target.size())) return make_error_code(error::headers_too_large);
        auto bytes = v2::encode(f);
        auto x = std::make_shared<exchange>(get_executor(), sink(), std::move(head));
        x->send_credit = v2_initial_window;
        x->receive_credit = v2_initial_window;
        streams_.emplace(id, x);
        ids_.emplace(x.get(), id);
        ++info_.requests;
        outbox_.push_binary(std::move(bytes));
        return x;
    }

    std::size_t in_flight() const noexcept override { return streams_.size(); }

    void go_away() override { drain("server shutting down"); }

    awaitable<std::error_code> send_body(exchange& x, std::string_view bytes, bool last) override {
        auto self = shared_from_this();  // keeps the session while this waits for credit
        if (!x.request().has_body) co_return std::error_code();
        do {
            auto id = id_of(x);
            if (!id) co_return finished_error(x);
            while (x.send_credit <= 0 && !x.finished() && id_of(x)) co_await x.credit_changed.wait();
            // A client may grant credit and stop reading: the outbox, not memory, absorbs it.
            co_await outbox_.wait_below(bulk_high_water);
            id = id_of(x);
            if (!id || x.finished()) co_return finished_error(x);
            auto n = std::min({bytes.size(), v2_max_data_payload,
                               static_cast<std::size_t>(x.send_credit)});
            bool end = last && n == bytes.size();
            x.send_credit -= static_cast<std::int64_t>(n);
            info_.bytes_in += static_cast<std::int64_t>(n);
            outbox_.push_binary(v2::encode_data(*id, bytes.substr(0, n), end));
            bytes.remove_prefix(n);
        } while (!bytes.empty());
        co_return std::error_code();
    }

    void consumed(exchange& x, std::size_t n) override {
        auto id = id_of(x);
        if (!id) return;
        x.unacknowledged += n;
        // Grant credit in batches of half a window so WINDOW frames stay rare.
        if (x.unacknowledged >= v2_initial_window / 2) {
            outbox_.push_binary(v2::encode(v2::window{*id, static_cast<std::uint32_t>(x.unacknowledged)}));
            x.receive_credit += static_cast<std::int64_t>(x.unacknowledged);
            x.unacknowledged = 0;
        }
    }

    void cancel(exchange& x, std::error_code reason) override {
        auto id = id_of(x);
        if (!id) return;
        auto code = reason.category() == error_category()
                        ? v2::to_reset_code(static_cast<error>(reason.value()))
                        : v2::reset_code::cancel;
        outbox_.push_binary(v2::encode(v2::reset{*id, code, reason.message()}));
        forget(*id);
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
        ids_.clear();
        for (auto& [id, x] : all) {
            x->fail(reason);
            x->credit_changed.notify();
        }
    }

private:
    std::optional<v2::stream_id> id_of(const exchange& x) const {
        auto it = ids_.find(&x);
        if (it == ids_.end()) return std::nullopt;
        return it->second;
    }

    static std::error_code finished_error(const exchange& x) {
        return x.finished() && !x.head_delivered() ? make_error_code(error::tunnel_disconnected)
                                                   : make_error_code(error::stream_cancelled);
    }

    std::shared_ptr<exchange> find(v2::stream_id id) {
        auto it = streams_.find(id);
        return it == streams_.end() ? nullptr : it->second;
    }

    void forget(v2::stream_id id) {
        auto it = streams_.find(id);
        if (it == streams_.end()) return;
        ids_.erase(it->second.get());
        it->second->credit_changed.notify();
        streams_.erase(it);
        close_if_drained();
    }

    void handle(v2::response& f) {
        auto x = find(f.id);
        if (!x) return;  // unknown, finished or another session's stream: ignored
        if (x->head_delivered()) return reject(f.id, "second RESPONSE on the stream");
        auto n = static_cast<std::int64_t>(f.body.size());
        if (n > x->receive_credit) {
            reset(f.id, v2::reset_code::flow_control, "window exceeded");
            x->fail(make_error_code(error::flow_control_violation));
            return;
        }
        const bool has_body = !f.end_stream || n > 0;
        response_head head{f.status, std::move(f.headers), has_body};
        std::string why;
        switch (check_response_head(head, x->request(), why)) {
        case head_verdict::invalid: return reject(f.id, why);
        case head_verdict::interim:
            // 1xx: not the answer. The caller got its own 100 Continue if it asked for one.
            if (f.end_stream || n > 0) return reject(f.id, "interim response with END_STREAM or a body");
            return;
        case head_verdict::final_response: break;
        }
        x->deliver_head(std::move(head));
        if (n > 0) {
            x->receive_credit -= n;
            info_.bytes_out += n;
            x->deliver_body(std::move(f.body), f.end_stream);
        }
        if (f.end_stream) forget(f.id);
    }

    void handle(v2::data& f) {
        auto x = find(f.id);
        if (!x) return;
        if (!x->head_delivered()) {
            reset(f.id, v2::reset_code::protocol_error, "DATA before RESPONSE");
            x->fail(make_error_code(error::target_error));
            return;
        }
        auto n = static_cast<std::int64_t>(f.bytes.size());
        if (n > x->receive_credit) {
            reset(f.id, v2::reset_code::flow_control, "window exceeded");
            x->fail(make_error_code(error::flow_control_violation));
            return;
        }
        x->receive_credit -= n;
        info_.bytes_out += n;
        x->deliver_body(std::move(f.bytes), f.end_stream);
        if (f.end_stream) forget(f.id);
    }

    void handle(v2::window& f) {
        auto x = find(f.id);
        if (!x) return;
        x->send_credit += f.increment;
        x->credit_changed.notify();
    }

    void handle(v2::reset& f) {
        auto x = find(f.id);
        if (!x) return;
        forget(f.id);
        x->fail(make_error_code(v2::to_error(f.code)));
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
        reset(id, v2::reset_code::protocol_error, why.substr(0, protocol::v2_max_reset_message));
        x->fail(make_error_code(error::invalid_response));
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

    std::unordered_map<v2::stream_id, std::shared_ptr<exchange>> streams_;
    std::unordered_map<const exchange*, v2::stream_id> ids_;
    static constexpr std::uint64_t last_stream_id = UINT32_MAX;
    std::uint64_t next_id_ = options_.first_stream_id | 1;  // server-opened ids are odd
    std::uint64_t ping_counter_ = 0;
    bool draining_ = false;
};

}  // namespace

std::shared_ptr<session> make_session_v2(std::shared_ptr<transport::ws_channel> channel,
                                         session_info info, const server_options& options) {
    const bool batching = info.batching;
    auto s = std::make_shared<session_v2>(std::move(channel), std::move(info), options);
    if (batching) s->enable_batching();
    return s;
}

}  // namespace tunely::server
