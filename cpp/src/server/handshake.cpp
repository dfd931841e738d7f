#include "handshake.hpp"

#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "tunely/core/error.hpp"
#include "tunely/core/token.hpp"
#include "tunely/protocol/limits.hpp"
#include "tunely/protocol/v1_codec.hpp"
#include "tunely/transport/notifier.hpp"
#include "tunely/transport/spawn.hpp"
#include "tunely/transport/ws_channel_impl.hpp"

namespace tunely::server {
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace v1 = protocol::v1;

namespace {

constexpr std::uint16_t close_policy = 1008;     // RFC 6455 policy violation
constexpr std::uint16_t close_internal = 1011;   // RFC 6455 internal error
// Slows down token guessing: every failed authentication is answered late.
constexpr auto auth_failure_delay = std::chrono::milliseconds(500);
// What an unauthenticated peer learns when the store cannot answer: nothing of
// the database's own text (the server log has it).
constexpr const char* auth_unavailable_text = "Authentication unavailable, try again later";

// The peer's address and its "address:port" text for logs.
struct peer {
    asio::ip::address address;
    std::string text = "unknown";
};

peer peer_of(beast::tcp_stream& s) {
    boost::system::error_code ec;
    auto ep = s.socket().remote_endpoint(ec);
    peer p;
    if (ec) return p;
    p.address = ep.address();
    p.text = ep.address().to_string() + ":" + std::to_string(ep.port());
    return p;
}

std::string already_connected_text(const std::string& domain) {
    return "Tunnel '" + domain + "' is already connected from another client; use force to take over";
}

// Sends auth_error then closes with `code`; returns when the close is done.
awaitable<void> reject(transport::ws_channel& ch, std::string text, std::string code,
                       std::uint16_t close_code) {
    auto frame = v1::encode(v1::auth_error{std::move(text), std::move(code)});
    (void)co_await ch.write(asio::buffer(frame), asio::const_buffer(), true);
    (void)co_await ch.close(close_code, "Authentication failed");
}

awaitable<void> delay(std::chrono::milliseconds d) {
    asio::steady_timer t(co_await asio::this_coro::executor, d);
    co_await t.async_wait(as_tuple_awaitable);
}

// What record_connected needs, owned by the write itself: the write may outlive
// the handshake (it does not hold up the session, see serve_channel).
struct connected_write {
    std::string domain;
    std::chrono::system_clock::time_point at;
};

// Records the connection time. `store` outlives every coroutine on the server's
// executor (the host stops its store_executor after its io_context has stopped).
awaitable<void> record_connected(store_executor& store, std::shared_ptr<const connected_write> w) {
    // By reference: `w` lives in this frame, suspended until the write ran (ARCHITECTURE.md, g++ 12 trap).
    auto done = co_await store.run([&](store::store& s) { s.record_connected(w->domain, w->at); });
    if (!done) spdlog::warn("tunnel {}: recording the connection time failed: {}", w->domain, done.error().message());
}

// Whether a 1.1 client JSON-decodes `request.body` (spec/PROTOCOL.md §1.6). The original Python client
// json.loads() every body (its server always sent JSON text: a non-JSON body as a JSON string literal), so an
// exact text that is itself JSON loses its meaning there (`"quoted"` → quoted, `42` → nothing). The versions
// of it that negotiate capabilities (0.12 offers binary_frames, chunked_http, udp) say so in `auth`;
// the npm client and older Python clients announce none, and our own clients announce only names of our
// `tunely/` namespace (one may speak 1.1 with a server that has protocol 2 disabled). So: any capability
// outside that namespace marks a client that decodes. The npm client forwards `body` as it is and must keep
// getting the exact text; an older Python client cannot be told from it and gets the exact text too.
// Our clients announce names of our namespace too (tunely/tcp at least) even when they also offer the
// original's (binary_frames, udp): a client with any `tunely/` name takes the exact text.
bool decodes_json_bodies(const std::vector<std::string>& capabilities) {
    auto ours = [](const std::string& c) { return c.starts_with("tunely/"); };
    return std::any_of(capabilities.begin(), capabilities.end(), [&](const std::string& c) { return !ours(c); }) &&
           std::none_of(capabilities.begin(), capabilities.end(), ours);
}

// After the WebSocket accept: authentication, registration, the session.
awaitable<void> serve_channel(handshake_context ctx, std::shared_ptr<transport::ws_channel> channel, peer remote);

// An authenticated client's session, not yet registered or running, with what serve_channel sends and logs.
struct accepted {
    std::shared_ptr<session> s;  // null: refused (the channel was answered and closed)
    std::string ok_frame;        // auth_ok
    bool force = false;          // take over a live session of the tunnel
};

}  // namespace

template <class Stream>
awaitable<void> run_tunnel_session(handshake_context ctx, Stream& stream,
                                   beast::http::request<beast::http::empty_body>& upgrade) {
    auto remote = peer_of(beast::get_lowest_layer(stream));
    beast::get_lowest_layer(stream).expires_never();
    websocket::stream<Stream> ws(std::move(stream));
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = std::chrono::seconds(10);  // also bounds the closing handshake
    timeouts.idle_timeout = websocket::stream_base::none();  // our heartbeat decides
    timeouts.keep_alive_pings = false;
    ws.set_option(timeouts);
    ws.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
        res.set(beast::http::field::server, "tunely");
    }));
    auto [accept_ec] = co_await ws.async_accept(upgrade, as_tuple_awaitable);
    upgrade = {};  // its fields would stay allocated for the session's life
    if (accept_ec) {
        spdlog::debug("websocket accept from {} failed: {}", remote.text, accept_ec.message());
        co_return;
    }
    auto channel = std::make_shared<transport::ws_channel_impl<Stream>>(std::move(ws), remote.text);
    co_await serve_channel(ctx, std::move(channel), std::move(remote));
}

template awaitable<void> run_tunnel_session<beast::tcp_stream>(handshake_context, beast::tcp_stream&,
                                                               beast::http::request<beast::http::empty_body>&);
template awaitable<void> run_tunnel_session<tls_stream>(handshake_context, tls_stream&,
                                                        beast::http::request<beast::http::empty_body>&);

namespace {

// Authentication (spec/PROTOCOL.md §1.3) up to the session object. Its own coroutine so that its frame (the
// auth message, the tunnel's row, the negotiation: about 2 KiB) is gone while the session runs.
awaitable<accepted> authenticate(handshake_context ctx, std::shared_ptr<transport::ws_channel> channel, peer from) {
    const std::string remote = from.text;
    channel->set_read_limit(protocol::v1_max_message_size);

    // No first frame within auth_timeout → close 1008 (compat: handshake step 1).
    // The timer shares the channel and this state, since either side may finish first.
    struct auth_state {
        explicit auth_state(const executor& ex) : settled(ex) {}
        bool done = false;     // the handshake decided: the timer must not close
        bool expired = false;  // the timer is closing the channel
        transport::notifier settled;
    };
    auto ex = co_await asio::this_coro::executor;
    auto state = std::make_shared<auth_state>(ex);
    transport::spawn(
        ex,
        [](std::shared_ptr<auth_state> st, std::shared_ptr<transport::ws_channel> ch,
           std::chrono::milliseconds limit) -> awaitable<void> {
            auto deadline = std::chrono::steady_clock::now() + limit;
            while (!st->done && co_await st->settled.wait_until(deadline)) {}
            if (st->done) co_return;
            st->expired = true;
            spdlog::info("tunnel client {}: no auth within {} ms", ch->remote_address(), limit.count());
            (void)co_await ch->close(close_policy, "Authentication timeout");
        }(state, channel, ctx.options.auth_timeout),
        "auth timer");
    auto settle = [&] {
        state->done = true;
        state->settled.notify();
    };

    std::string_view payload;
    bool text = false;
    auto read_ec = co_await channel->read(payload, text);
    if (read_ec || state->expired) {
        settle();
        co_return accepted{};
    }
    auto msg = text ? v1::decode(payload) : result<v1::message>(make_error_code(error::malformed_frame));
    auto* auth = msg ? std::get_if<v1::auth>(&*msg) : nullptr;
    if (!auth) {
        settle();
        co_await reject(*channel, "Expected auth message", "auth_failed", close_policy);
        co_return accepted{};
    }
    v1::auth request = std::move(*auth);

    // Counted before the store is asked, so parallel guesses cannot overtake the limit (auth_limiter.hpp).
    if (!ctx.auth_failures.try_acquire(from.address)) {
        settle();
        spdlog::info("authentication from {} refused: too many failed authentications", remote);
        co_await reject(*channel, "Too many failed authentications", "auth_failed", close_policy);
        co_return accepted{};
    }
    auto hash = hash_token(request.token);
    std::string detail;  // the store's own words, for the log only
    auto found = co_await ctx.store.run([&](store::store& s) {
        try {
            return s.find_tunnel_by_token_hash(hash);
        } catch (const std::exception& e) {
            detail = e.what();  // the store cuts the database password out of its messages
            throw;
        }
    });
    if (state->expired) {  // closed by the timer: the peer learns nothing, the attempt counts for nothing
        ctx.auth_failures.release(from.address);
        co_return accepted{};
    }
    settle();
    if (!found) {
        ctx.auth_failures.release(from.address);  // the database failed, not the peer
        spdlog::error("authentication from {}: the database is unavailable: {}", remote,
                      detail.empty() ? found.error().message() : detail);
        co_await reject(*channel, auth_unavailable_text, "auth_failed", close_internal);
        co_return accepted{};
    }
    if (ctx.stopping) {
        // Not an authentication failure (clients give up on those): a close that says "come back".
        (void)co_await channel->close(1001, "Server shutting down");
        co_return accepted{};
    }
    if (!*found || !(*found)->enabled) {
        // The same answer for unknown and disabled tunnels: no token oracle.
        spdlog::info("authentication from {} failed", remote);
        co_await delay(auth_failure_delay);
        co_await reject(*channel, "Authentication failed", "auth_failed", close_policy);
        co_return accepted{};
    }
    const auto& tunnel = **found;
    ctx.auth_failures.release(from.address);  // a good token is no failure

    session_info info;
    info.domain = tunnel.domain;
    info.tunnel_id = tunnel.id;
    info.mode = tunnel.mode;
    info.remote_address = remote;
    info.client_version = request.client_version;
    info.connected_at = std::chrono::system_clock::now();
    bool v2 = ctx.options.offer_v2 &&
              std::find(request.capabilities.begin(), request.capabilities.end(),
                        protocol::capability_v2) != request.capabilities.end();
    info.protocol = v2 ? 2 : 1;
    auto offered = [&](const char* capability) {
        return v2 && std::find(request.capabilities.begin(), request.capabilities.end(), capability) !=
                         request.capabilities.end();
    };
    info.upgrades = offered(protocol::capability_upgrade);
    info.batching = offered(protocol::capability_batch);
    info.json_string_bodies = !v2 && decodes_json_bodies(request.capabilities);
    // TCP: protocol 2 by capability; on 1.1 the original clients that negotiate capabilities (0.11+) are the
    // ones with a TCP mode, and they take binary tcp_data when they offer binary_frames (0.12 §1).
    auto offered_v1 = [&](const char* capability) {
        return !v2 && std::find(request.capabilities.begin(), request.capabilities.end(), capability) !=
                          request.capabilities.end();
    };
    info.tcp = v2 ? offered(protocol::capability_tcp)
                  : info.json_string_bodies || offered_v1(protocol::capability_v1_tcp);
    info.binary_frames = offered_v1(protocol::capability_binary_frames);
    // UDP: the original sends its datagrams only as binary messages, so on 1.1 it needs both (0.12 §1).
    info.udp = v2 ? offered(protocol::capability_udp)
                  : info.binary_frames && offered_v1(protocol::capability_v1_udp);

    if (auto existing = ctx.registry.find(tunnel.domain); existing && !request.force) {
        co_await reject(*channel, already_connected_text(tunnel.domain), "connection_exists", close_policy);
        co_return accepted{};
    }

    v1::auth_ok ok{tunnel.domain, std::to_string(tunnel.id), ctx.options.server_version, {}};
    if (v2) ok.capabilities.push_back(protocol::capability_v2);
    if (info.upgrades) ok.capabilities.push_back(protocol::capability_upgrade);
    if (info.batching) ok.capabilities.push_back(protocol::capability_batch);
    if (v2 && info.tcp) ok.capabilities.push_back(protocol::capability_tcp);
    if (v2 && info.udp) ok.capabilities.push_back(protocol::capability_udp);
    if (info.binary_frames) ok.capabilities.push_back(protocol::capability_binary_frames);
    if (offered_v1(protocol::capability_v1_tcp)) ok.capabilities.push_back(protocol::capability_v1_tcp);
    if (!v2 && info.udp) ok.capabilities.push_back(protocol::capability_v1_udp);
    auto ok_frame = v1::encode(ok);
    if (v2) channel->set_read_limit(protocol::v2_max_frame_size);

    accepted out;
    out.s = v2 ? make_session_v2(std::move(channel), info, ctx.options)
               : make_session_v1(std::move(channel), info, ctx.options);
    out.ok_frame = std::move(ok_frame);
    out.force = request.force;
    co_return out;
}

awaitable<void> serve_channel(handshake_context ctx, std::shared_ptr<transport::ws_channel> channel, peer from) {
    auto ex = co_await asio::this_coro::executor;
    auto a = co_await authenticate(ctx, std::move(channel), std::move(from));
    if (!a.s) co_return;
    auto s = std::move(a.s);
    const auto& info = s->info();
    // Registration happens before auth_ok is sent (compat: handshake step 5), and
    // the session's run loop starts in the same turn of the executor: nothing is
    // awaited between add() and run(), so no request reaches a registered session
    // whose reader and writer are not running (another thread's request reaches it by a post to this
    // executor, which runs after this turn). The connection time is written beside the session, never
    // before it.
    if (ctx.registry.add(s, a.force)) {
        // A handshake on another I/O thread registered the domain since authenticate() looked: refused as
        // that check would have, through the session's writer (auth_error, then the close).
        s->send_text(v1::encode(v1::auth_error{already_connected_text(info.domain), "connection_exists"}));
        s->close(close_policy, "Authentication failed");
        (void)co_await s->run();
        co_return;
    }
    s->send_text(std::move(a.ok_frame));
    a = accepted{};
    spdlog::info("tunnel {} connected from {} (protocol {}, client {}{})", info.domain, info.remote_address,
                 info.protocol == 2 ? "2" : "1.1", info.client_version,
                 info.json_string_bodies ? ", bodies as JSON strings" : "");
    auto write = std::make_shared<connected_write>();
    write->domain = info.domain;
    write->at = std::chrono::system_clock::now();
    transport::spawn(ex, record_connected(ctx.store, std::move(write)), "record connected " + info.domain);

    auto reason = co_await s->run();
    ctx.registry.remove(info.domain, s.get());
    spdlog::info("tunnel {} disconnected ({}): {}", info.domain, info.remote_address, reason);
}

}  // namespace

}  // namespace tunely::server
