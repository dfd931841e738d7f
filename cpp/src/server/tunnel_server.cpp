#include "tunely/server/tunnel_server.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/beast/websocket.hpp>
#include <spdlog/spdlog.h>

#include "handshake.hpp"
#include "known_tunnels.hpp"
#include "registry.hpp"
#include "tunely/core/domain_name.hpp"
#include "tunely/core/error.hpp"
#include "tunely/core/header_list.hpp"
#include "tunely/transport/notifier.hpp"

namespace tunely::server {

struct tunnel_server::impl {
    impl(executor e, server_options o)
        : ex(std::move(e)), options(std::move(o)), idle_changed(ex), auth_failures(options.auth_failures_per_minute) {}
    executor ex;
    std::shared_ptr<store_executor> store;
    server_options options;
    server::registry registry;
    std::atomic<bool> stopping{false};
    std::atomic<std::size_t> held_exchanges{0};
    transport::notifier idle_changed;  // a session ended or a hold was released (shutdown waits on it, on `ex`)
    bool idle() const { return registry.size() == 0 && held_exchanges == 0; }
    // From any thread: wakes shutdown() on `ex`.
    static void notify_idle(const std::shared_ptr<impl>& state) {
        asio::dispatch(state->ex, [state] { state->idle_changed.notify(); });
    }
    std::function<void(exchange_record)> sink;
    bool record_details = false;  // on_exchange()
    auth_limiter auth_failures;
    std::shared_ptr<listener_tls> tcp_tls;
    std::shared_ptr<raw_traffic> traffic = std::make_shared<raw_traffic>();
    known_tunnels known;  // no_session_reason()
};

tunnel_server::tunnel_server(executor ex, std::shared_ptr<store_executor> store, server_options options)
    : impl_(std::make_shared<impl>(std::move(ex), std::move(options))) {
    // The registry is a member of impl: a weak reference, or the hook would keep its owner alive.
    impl_->registry.on_removed([weak = std::weak_ptr<impl>(impl_)] {
        if (auto state = weak.lock()) impl::notify_idle(state);
    });
    impl_->store = std::move(store);
}

tunnel_server::~tunnel_server() = default;

const server_options& tunnel_server::options() const noexcept { return impl_->options; }
executor tunnel_server::get_executor() const { return impl_->ex; }
store_executor& tunnel_server::store() noexcept { return *impl_->store; }

void tunnel_server::set_tcp_listener_tls(std::shared_ptr<listener_tls> tls) { impl_->tcp_tls = std::move(tls); }
std::shared_ptr<listener_tls> tunnel_server::tcp_listener_tls() const { return impl_->tcp_tls; }
std::shared_ptr<raw_traffic> tunnel_server::traffic() const { return impl_->traffic; }

awaitable<void> tunnel_server::serve_websocket(
    boost::beast::tcp_stream stream, boost::beast::http::request<boost::beast::http::empty_body> upgrade) {
    auto state = impl_;  // keeps registry and options alive for the session's life
    if (state->stopping) co_return;
    handshake_context ctx{state->options, *state->store, state->registry, state->stopping, state->auth_failures};
    co_await run_tunnel_session(ctx, stream, upgrade);  // by reference: this frame owns both
}

awaitable<void> tunnel_server::serve_websocket(
    tls_stream stream, boost::beast::http::request<boost::beast::http::empty_body> upgrade) {
    auto state = impl_;
    if (state->stopping) co_return;
    handshake_context ctx{state->options, *state->store, state->registry, state->stopping, state->auth_failures};
    co_await run_tunnel_session(ctx, stream, upgrade);  // by reference: this frame owns both
}

result<std::shared_ptr<exchange>> tunnel_server::open_exchange(std::string_view domain, request_head head) {
    if (impl_->stopping) return make_error_code(error::shutting_down);
    auto d = normalize_domain(domain);
    if (!d) return make_error_code(error::invalid_domain);
    if (head.target.empty() || head.target.front() != '/') return make_error_code(error::invalid_path);
    auto s = impl_->registry.find(*d);
    if (!s) return make_error_code(error::tunnel_not_connected);
    if (head.kind == stream_kind::http && s->info().mode == "tcp") return make_error_code(error::tcp_mode);
    return s->open_exchange(std::move(head));
}

std::optional<executor> tunnel_server::session_executor(std::string_view domain) const {
    auto d = normalize_domain(domain);
    if (!d) return std::nullopt;
    auto s = impl_->registry.find(*d);
    if (!s) return std::nullopt;
    return s->get_executor();
}

awaitable<std::error_code> tunnel_server::no_session_reason(std::string domain) {
    auto state = impl_;  // this frame keeps the state alive across the lookup
    const auto offline = make_error_code(error::tunnel_not_connected);
    if (auto known = state->known.cached(domain, known_tunnels::clock::now()))
        co_return *known ? offline : make_error_code(error::tunnel_not_found);
    if (!state->known.begin_lookup()) co_return offline;
    auto found = co_await state->store->run([&](store::store& s) { return s.find_tunnel(domain).has_value(); });
    state->known.end_lookup();
    if (!found) co_return offline;  // the store is unreachable: the old answer
    state->known.remember(domain, *found, known_tunnels::clock::now());
    co_return *found ? offline : make_error_code(error::tunnel_not_found);
}

awaitable<result<forward_response>> tunnel_server::forward(std::string_view domain, forward_request request) {
    auto state = impl_;
    request_head head;
    head.method = std::move(request.method);
    head.target = std::move(request.target);
    head.headers = std::move(request.headers);
    remove_hop_by_hop(head.headers);
    head.headers.erase("content-length");
    if (!request.body.empty()) head.headers.set("Content-Length", std::to_string(request.body.size()));
    head.timeout = request.timeout;
    head.has_body = !request.body.empty();
    auto x = open_exchange(domain, std::move(head));
    if (!x) co_return x.error();
    auto ex = *x;
    if (!request.body.empty()) {
        if (auto ec = co_await ex->write_body(request.body)) co_return ec;
    }
    if (auto ec = co_await ex->finish_body()) co_return ec;
    auto timeout = request.timeout.count() > 0 ? request.timeout : state->options.request_timeout;
    auto head_result = co_await ex->read_head(std::chrono::steady_clock::now() + timeout);
    if (!head_result) co_return head_result.error();
    co_return forward_response{head_result->status, std::move(head_result->headers), ex};
}

std::optional<std::string> tunnel_server::domain_from_host(std::string_view host) const {
    if (auto colon = host.rfind(':'); colon != std::string_view::npos && host.find(']') == std::string_view::npos)
        host = host.substr(0, colon);
    const auto& base = impl_->options.base_domain;
    if (base.empty() || host.size() <= base.size() + 1) return std::nullopt;
    auto suffix = host.substr(host.size() - base.size());
    if (!iequals(suffix, base) || host[host.size() - base.size() - 1] != '.') return std::nullopt;
    return normalize_domain(host.substr(0, host.size() - base.size() - 1));
}

void tunnel_server::set_mode(std::string_view domain, std::string mode) {
    if (auto s = impl_->registry.find(std::string(domain)))
        asio::dispatch(s->get_executor(), [s, mode = std::move(mode)]() mutable { s->set_mode(std::move(mode)); });
}

std::optional<session_info> tunnel_server::live(std::string_view domain) const {
    auto s = impl_->registry.find(std::string(domain));
    if (!s) return std::nullopt;
    return s->snapshot();
}

std::vector<session_info> tunnel_server::live_sessions() const {
    std::vector<session_info> out;
    for (const auto& s : impl_->registry.all())
        if (!s->closed_hint()) out.push_back(s->snapshot());
    return out;
}

std::size_t tunnel_server::connected_count() const { return live_sessions().size(); }

std::size_t tunnel_server::in_flight(std::string_view domain) const {
    auto s = impl_->registry.find(std::string(domain));
    return s ? s->in_flight() : 0;
}

bool tunnel_server::disconnect(std::string_view domain, std::string reason) {
    auto s = impl_->registry.find(std::string(domain));
    if (!s) return false;
    spdlog::info("tunnel {}: disconnecting ({})", domain, reason);
    asio::dispatch(s->get_executor(), [s, reason = std::move(reason)]() mutable { s->close(1008, std::move(reason)); });
    return true;
}

awaitable<void> tunnel_server::shutdown(std::chrono::milliseconds grace) {
    auto state = impl_;
    state->stopping = true;
    auto sessions = state->registry.all();
    spdlog::info("shutting down: {} sessions, {} exchanges in flight; grace {} ms", sessions.size(),
                 state->held_exchanges.load(), grace.count());
    for (const auto& s : sessions) asio::dispatch(s->get_executor(), [s] { s->go_away(); });
    auto wait_idle = [&](std::chrono::steady_clock::time_point deadline) -> awaitable<bool> {
        // Only shutdown() waits on idle_changed, so wait_until is safe here.
        while (!state->idle())
            if (!co_await state->idle_changed.wait_until(deadline)) co_return state->idle();
        co_return true;
    };
    if (co_await wait_idle(std::chrono::steady_clock::now() + grace)) co_return;
    spdlog::warn("shutting down: grace period over, closing {} sessions ({} exchanges still in flight)",
                 state->registry.size(), state->held_exchanges.load());
    for (const auto& s : state->registry.all())
        asio::dispatch(s->get_executor(), [s] { s->close(1001, "Server shutting down"); });
    (void)co_await wait_idle(std::chrono::steady_clock::now() + std::chrono::seconds(2));  // close handshakes
}

tunnel_server::exchange_hold tunnel_server::hold_exchange() {
    auto state = impl_;
    ++state->held_exchanges;
    return exchange_hold(nullptr, [state](void*) {
        --state->held_exchanges;
        impl::notify_idle(state);
    });
}

void tunnel_server::on_exchange(std::function<void(exchange_record)> sink, bool details) {
    impl_->sink = std::move(sink);
    impl_->record_details = details && impl_->sink;
}

bool tunnel_server::records_details() const noexcept { return impl_->record_details; }

void tunnel_server::record(exchange_record rec) const {
    if (impl_->sink) impl_->sink(std::move(rec));
}

}  // namespace tunely::server
