#include "tcp_forward.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <exception>

#include "tcp_forward_reply.hpp"
#include "tunely/core/error.hpp"
#include "tunely/transport/done_signal.hpp"
#include "tunely/transport/spawn.hpp"

namespace tunely::admin {
namespace {
using clock = std::chrono::steady_clock;
using server::exchange;
using transport::done_signal;

// The client's own words for a failure it reported (its RESET message, its tcp_close error) go to the
// envelope as the original's do (0.12 §2.7); else ours.
forward_outcome failure_outcome(std::error_code ec, bool deadline_passed, const exchange& x) {
    if (deadline_passed || ec == error::request_timeout) return failed_outcome(504, {}, "TCP forward timeout");
    if (ec == error::body_too_large) return failed_outcome(502, {}, "response too large");
    if (ec == error::tunnel_disconnected) return failed_outcome(502, {}, "tunnel disconnected");
    if (!x.failure_text().empty()) return failed_outcome(502, {}, x.failure_text());
    return failed_outcome(502, {}, ec.message());
}

// The request direction: the payload, then (protocol 2) its end. A failed write ends nothing more: the
// exchange has failed, and the collector sees why. Sets `done` last, however it ends.
awaitable<void> send_payload(std::shared_ptr<done_signal> done, std::shared_ptr<exchange> x,
                             std::optional<std::string> payload) {
    std::exception_ptr escaped;
    try {
        const bool sent = !payload || !co_await x->write_body(*payload);
        if (sent && x->half_close()) (void)co_await x->finish_body();
    } catch (...) {
        escaped = std::current_exception();
        x->cancel(make_error_code(error::stream_cancelled));
    }
    done->set();
    if (escaped) std::rethrow_exception(escaped);
}

// Closes the stream at the forward's deadline (RESET on protocol 2, tcp_close on 1.1) and says so in
// `fired`. Ends when the timer is cancelled (the forward is over) or after it fired; sets `done` last.
awaitable<void> watch_deadline(std::shared_ptr<done_signal> done, std::shared_ptr<asio::steady_timer> timer,
                               std::shared_ptr<exchange> x, std::shared_ptr<bool> fired) {
    auto [ec] = co_await timer->async_wait(as_tuple_awaitable);
    if (!ec) {
        *fired = true;
        x->cancel(make_error_code(error::request_timeout));
    }
    done->set();
}

// What the target sends until the client says it closed; more than `cap` bytes close the stream.
awaitable<result<std::string>> collect(std::shared_ptr<exchange> x, std::size_t cap) {
    std::string collected;
    for (;;) {
        auto chunk = co_await x->read_body();
        if (!chunk) co_return chunk.error();
        if (!*chunk) co_return std::move(collected);
        if ((*chunk)->size() > cap - collected.size()) {
            x->cancel(make_error_code(error::body_too_large));
            co_return make_error_code(error::body_too_large);
        }
        collected += **chunk;
    }
}

}  // namespace

std::optional<std::string> tcp_forward_payload(const boost::json::value* body) {
    if (!body || body->is_null()) return std::nullopt;
    if (body->is_string()) return std::string(body->get_string());
    return boost::json::serialize(*body);
}

awaitable<result<forward_outcome>> tcp_forward(server::tunnel_server& server, const std::string& domain,
                                               tcp_forward_request request) {
    const auto& options = server.options();
    const auto timeout = request.timeout.count() > 0 ? request.timeout : options.request_timeout;
    const auto deadline = clock::now() + timeout;
    const std::size_t cap = options.tcp_forward_max_buffer;
    server::request_head head;
    head.kind = server::stream_kind::tcp;
    head.method = "TCP";
    head.target = "/";
    head.has_body = true;
    auto opened = server.open_exchange(domain, std::move(head));
    if (!opened) co_return opened.error();
    auto x = *opened;
    // Protocol 2: the client answers once its target connection is up (or resets the stream); 1.1 has no
    // answer (the stream is open at once; a failed connect arrives as tcp_close with an error).
    auto answer = co_await x->read_head(std::min(deadline, clock::now() + options.tcp_connect_timeout));
    if (!answer) co_return failure_outcome(answer.error(), false, *x);

    auto ex = co_await asio::this_coro::executor;
    auto fired = std::make_shared<bool>(false);
    auto timer = std::make_shared<asio::steady_timer>(ex, deadline);
    auto watch = std::make_shared<done_signal>(ex);
    transport::spawn(ex, watch_deadline(watch, timer, x, fired), "TCP forward deadline");
    auto writer = std::make_shared<done_signal>(ex);
    transport::spawn(ex, send_payload(writer, x, std::move(request.payload)), "TCP forward payload");
    // The payload goes while the answer is collected: a target that answers before it read everything
    // cannot stall the forward on flow control.
    std::exception_ptr escaped;
    result<std::string> collected = make_error_code(error::stream_cancelled);
    try {
        auto got = co_await collect(x, cap);
        collected = std::move(got);
    } catch (...) {
        escaped = std::current_exception();
    }
    const bool timed_out = *fired;  // (not a failure that came first and closed the stream itself)
    // Both children are joined before the frame unwinds. The answer is complete (or the forward failed):
    // a payload still on its way is abandoned, which closes the stream.
    if (!writer->done()) {
        x->cancel(make_error_code(error::stream_cancelled));
        co_await writer->wait();
    }
    timer->cancel();
    co_await watch->wait();
    if (escaped) std::rethrow_exception(escaped);
    if (!collected) co_return failure_outcome(collected.error(), timed_out, *x);
    co_return tcp_reply_outcome(std::move(*collected));
}

}  // namespace tunely::admin
