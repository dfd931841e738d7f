#include "tunely/client/tunnel_client.hpp"

#include <boost/json/parse.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>

#include "client_session.hpp"
#include "server_connection.hpp"
#include "tunely/core/error.hpp"
#include "tunely/protocol/limits.hpp"
#include "tunely/protocol/v1_codec.hpp"
#include "tunely/transport/notifier.hpp"

namespace tunely::client {
namespace v1 = protocol::v1;

namespace {

// Outcome of one connection attempt.
struct attempt {
    std::error_code fatal;     // set: do not reconnect
    bool authenticated = false;
    bool went_away = false;    // the server sent GOAWAY: reconnect at once
    std::string reason;        // why the connection ended, for the log
};

// Whether a protocol 1.1 server JSON-encodes `request.body` (spec/PROTOCOL.md §1.6), from its `auth_ok`.
// Every original server (Python, tunely 0.x) sends `body` as JSON text: a JSON body re-dumped, any other body
// as a JSON string literal (`a=1` → `"a=1"`), for clients that json.loads() it. Ours sends the exact text.
// The rule: `auth_ok` carries a `capabilities` array (even `[]`) with no name of our `tunely/` namespace.
//  - Original servers that negotiate capabilities always send the member (0.12: the names it shares with
//    us, `["binary_frames","udp"]`, or `[]` when its kill switch disables them; never a tunely/ name).
//  - Our servers never send it in a 1.1 session without a name of ours: the encoder omits an empty list, and
//    a non-empty one carries tunely/2 (protocol 2) or, on 1.1, tunely/tcp, which we always offer (next to
//    the original's binary_frames and udp, which our server may echo too). A server following the spec does
//    the same.
// It cannot misfire on a server that sends exact text. It misses the older originals that did not negotiate
// capabilities: their bodies are taken as exact text, as before (a text body keeps the original's quotes).
bool server_json_encodes_bodies(std::string_view auth_ok_payload) {
    boost::system::error_code ec;
    auto value = boost::json::parse(auth_ok_payload, ec);
    if (ec || !value.is_object()) return false;
    const auto* capabilities = value.as_object().if_contains("capabilities");
    if (!capabilities || !capabilities->is_array()) return false;
    return std::none_of(capabilities->as_array().begin(), capabilities->as_array().end(), [](const auto& c) {
        return c.is_string() && std::string_view(c.as_string()).starts_with("tunely/");
    });
}

}  // namespace

struct tunnel_client::impl : std::enable_shared_from_this<impl> {
    impl(executor ex, client_options o, client_events e)
        : ex(ex), options(std::move(o)), events(std::move(e)), wake(ex), rng(std::random_device{}()) {}

    executor ex;
    client_options options;
    client_events events;
    transport::notifier wake;  // interrupts the backoff wait on stop()
    std::mt19937_64 rng;
    bool stopping = false;
    bool connected = false;
    std::string domain;
    int protocol = 0;
    std::shared_ptr<client_session> session;

    void error(const std::string& message) const {
        if (events.on_error) events.on_error(message);
    }

    awaitable<attempt> connect_once(const server_address& server, std::shared_ptr<boost::asio::ssl::context> tls,
                                    const std::shared_ptr<target_pool>& pool) {
        attempt out;
        auto channel = co_await open_server_channel(ex, server, std::move(tls), options, out.reason);
        if (!channel) co_return out;
        channel->set_read_limit(protocol::v1_max_message_size);

        v1::auth auth{options.token.reveal(), options.client_version, options.force, {}};
        if (options.offer_v2) {
            auth.capabilities.push_back(protocol::capability_v2);
            auth.capabilities.push_back(protocol::capability_upgrade);  // we carry WebSocket upgrades (§2.12)
            auth.capabilities.push_back(protocol::capability_batch);    // and take BATCH messages (§2.4.8)
            auth.capabilities.push_back(protocol::capability_tcp);      // and relay raw TCP streams (§2.15)
            auth.capabilities.push_back(protocol::capability_udp);      // and UDP sessions (§2.15)
        }
        // On a 1.1 session (protocol 2 off on either side) we carry the original's TCP wire (§1.2), its
        // binary data messages and its UDP sessions (tunely-0.12.md §1, §3: the original sends udp_open only
        // with `udp` negotiated, and datagrams travel only as binary messages, which need `binary_frames`).
        auth.capabilities.push_back(protocol::capability_v1_tcp);
        auth.capabilities.push_back(protocol::capability_binary_frames);
        auth.capabilities.push_back(protocol::capability_v1_udp);
        auto frame = v1::encode(auth);
        if (auto ec = co_await channel->write(boost::asio::buffer(frame), {}, true)) {
            out.reason = "sending auth failed: " + ec.message();
            co_return out;
        }
        std::string_view payload;
        bool text = false;
        // The server answers within its own auth timeout; our idle timeout bounds it too.
        channel->expires_after(options.idle_timeout);
        auto rdec = co_await channel->read(payload, text);
        channel->expires_never();
        if (rdec) {
            out.reason = "no answer to auth: " + rdec.message();
            co_return out;
        }
        auto msg = v1::decode(payload);
        if (!msg) {
            out.reason = "malformed answer to auth";
            co_return out;
        }
        if (auto* e = std::get_if<v1::auth_error>(&*msg)) {
            out.fatal = make_error_code(e->code == "connection_exists" ? error::connection_exists : error::auth_failed);
            out.reason = e->error;
            (void)co_await channel->close(1000, "Authentication failed");
            co_return out;
        }
        auto* ok = std::get_if<v1::auth_ok>(&*msg);
        if (!ok) {
            out.reason = "unexpected answer to auth";
            co_return out;
        }
        bool v2 = std::find(ok->capabilities.begin(), ok->capabilities.end(), protocol::capability_v2) !=
                  ok->capabilities.end();
        if (v2 && !options.offer_v2) v2 = false;
        const bool json_bodies = !v2 && server_json_encodes_bodies(payload);  // payload: still the auth_ok
        if (v2) channel->set_read_limit(protocol::v2_max_frame_size);
        if (json_bodies)
            spdlog::info("the server JSON-encodes request bodies (an original Tunely server): decoding them");
        domain = ok->domain;
        protocol = v2 ? 2 : 1;
        connected = true;
        out.authenticated = true;
        if (events.on_connect) events.on_connect(domain, protocol);
        auto echoed = [&](const char* capability) {
            return std::find(ok->capabilities.begin(), ok->capabilities.end(), capability) != ok->capabilities.end();
        };
        const bool batching = v2 && echoed(protocol::capability_batch);
        // Raw TCP / UDP streams only when the server echoed the capability: a raw OPEN otherwise is refused.
        const bool tcp = v2 && echoed(protocol::capability_tcp);
        const bool udp = v2 && echoed(protocol::capability_udp);
        v1_features v1_has;
        v1_has.json_bodies = json_bodies;
        v1_has.binary_frames = !v2 && echoed(protocol::capability_binary_frames);
        v1_has.udp = v1_has.binary_frames && echoed(protocol::capability_v1_udp);
        session = v2 ? make_client_session_v2(channel, pool, options, events, batching, tcp, udp)
                     : make_client_session_v1(channel, pool, options, events, v1_has);
        if (stopping) session->close();
        out.reason = co_await session->run();
        out.went_away = session->went_away();
        session.reset();
        connected = false;
        pool->clear();
        if (events.on_disconnect) events.on_disconnect(out.reason);
        co_return out;
    }

    awaitable<std::error_code> run() {
        auto self = shared_from_this();
        auto server = parse_server_url(options.server_url);
        if (!server) {
            error("invalid server URL '" + options.server_url + "' (expected ws[s]://host[:port]/path)");
            co_return server.error();
        }
        auto target = parse_target_url(options.target_url);
        if (!target) {
            error("invalid target URL '" + options.target_url + "' (expected http://host[:port])");
            co_return target.error();
        }
        std::shared_ptr<boost::asio::ssl::context> tls;
        if (server->tls) {
            std::string problem;
            auto context = make_tls_context(*server, options, problem);
            if (!context) {
                error(problem);
                co_return context.error();
            }
            tls = *context;
        }
        auto tcp_target = tcp_target_of(options);
        if (!tcp_target) {
            error("invalid TCP target '" + options.tcp_target + "' (expected HOST:PORT, IPv6 as [ADDRESS]:PORT)");
            co_return tcp_target.error();
        }
        auto udp_target = udp_target_of(options);
        if (!udp_target) {
            error("invalid UDP target '" + options.udp_target + "' (expected HOST:PORT, IPv6 as [ADDRESS]:PORT)");
            co_return udp_target.error();
        }
        // Shared with the sessions, which outlive nothing of this frame (they join their streams).
        auto pool = std::make_shared<target_pool>(ex, *target, *tcp_target, *udp_target,
                                                  options.max_idle_target_connections);
        int failures = 0;
        bool reconnected_now = false;
        while (!stopping) {
            auto result = co_await connect_once(*server, tls, pool);
            if (stopping) break;
            if (result.fatal) {
                error(result.reason);
                co_return result.fatal;
            }
            if (result.authenticated) failures = 0;
            else error(result.reason);
            // A graceful server stop or a rolling restart: reconnect without backoff, but only once in
            // a row (a server that sends GOAWAY on every connection does not get a tight loop).
            const bool reconnect_now = result.went_away && !reconnected_now;
            reconnected_now = reconnect_now;
            if (reconnect_now) {
                spdlog::info("server going away: reconnecting now");
                continue;
            }
            if (options.max_reconnect_attempts > 0 && failures >= options.max_reconnect_attempts) {
                co_return make_error_code(error::tunnel_disconnected);
            }
            std::uniform_real_distribution<double> unit(0.0, 1.0);
            auto delay = backoff_delay(options.reconnect, failures, unit(rng));
            ++failures;
            if (events.on_reconnecting) events.on_reconnecting(delay, failures);
            co_await wake.wait_until(std::chrono::steady_clock::now() + delay);
        }
        co_return std::error_code();
    }
};

tunnel_client::tunnel_client(executor ex, client_options options, client_events events)
    : impl_(std::make_shared<impl>(std::move(ex), std::move(options), std::move(events))) {}

tunnel_client::~tunnel_client() = default;

awaitable<std::error_code> tunnel_client::run() { return impl_->run(); }

void tunnel_client::stop() {
    impl_->stopping = true;
    if (impl_->session) impl_->session->close();
    impl_->wake.notify();
}

bool tunnel_client::connected() const noexcept { return impl_->connected; }
const std::string& tunnel_client::domain() const noexcept { return impl_->domain; }
int tunnel_client::protocol() const noexcept { return impl_->protocol; }

}  // namespace tunely::client
