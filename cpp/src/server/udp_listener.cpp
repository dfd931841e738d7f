#include "tunely/server/udp_listener.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <map>

#include "endpoint_text.hpp"
#include "tunely/core/error.hpp"
#include "tunely/transport/run_on.hpp"
#include "tunely/transport/task_group.hpp"

namespace tunely::server {
using boost::asio::ip::udp;
using clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t max_datagram = 65'535;
// Bytes of datagrams handed to sessions on other I/O threads and not taken there yet: a flood beyond this is
// dropped here (as a full flow-control window drops it there) instead of queueing on the other thread.
constexpr std::size_t max_datagram_bytes_in_flight = 1024 * 1024;

// One external peer: its stream through the tunnel and when it last carried a datagram. The listener runs on the
// server's main executor, the stream on its session's (another I/O thread, with --threads): every use of `x`
// goes there (run_on, or a post for what needs no answer).
struct peer_session {
    std::shared_ptr<exchange> x;
    clock::time_point last = clock::now();
};

void cancel_on_session(const std::shared_ptr<exchange>& x, std::error_code why) {
    asio::dispatch(x->get_executor(), [x, why] { x->cancel(why); });
}

awaitable<result<std::shared_ptr<exchange>>> open_udp_stream(tunnel_server& server, const std::string& domain,
                                                            request_head& head) {
    co_return server.open_exchange(domain, std::move(head));
}

}  // namespace

struct udp_listener::impl {
    impl(tunnel_server& s, udp::socket sock) : server(s), socket(std::move(sock)), readers(server.get_executor()) {}

    tunnel_server& server;
    udp::socket socket;
    std::map<udp::endpoint, std::shared_ptr<peer_session>> sessions;
    transport::task_group readers;  // one reply reader per session
    bool closed = false;
    std::shared_ptr<asio::steady_timer> sweep_timer;
};

udp_listener::udp_listener(tunnel_server& server, udp::socket socket, std::string domain)
    : impl_(std::make_unique<impl>(server, std::move(socket))), domain_(std::move(domain)) {}

udp_listener::~udp_listener() = default;

udp::endpoint udp_listener::local_endpoint() const {
    boost::system::error_code ec;
    return impl_->socket.local_endpoint(ec);
}

void udp_listener::close(std::error_code why) {
    if (impl_->closed) return;
    impl_->closed = true;
    boost::system::error_code ignored;
    impl_->socket.close(ignored);
    if (impl_->sweep_timer) impl_->sweep_timer->cancel();
    for (auto& [peer, s] : impl_->sessions) cancel_on_session(s->x, why);
    impl_->readers.cancel();
}

namespace {

// Replies of one session: each response-body chunk is one datagram for the peer. Ends when the stream
// ends or fails (the client ended it, idle timeout, tunnel lost); then the session is forgotten.
awaitable<void> relay_replies(std::shared_ptr<udp_listener> self, udp::socket& socket,
                              std::map<udp::endpoint, std::shared_ptr<peer_session>>& sessions, udp::endpoint peer,
                              std::shared_ptr<peer_session> s, std::chrono::milliseconds connect_timeout,
                              std::shared_ptr<raw_traffic> traffic) {
    // The stream lives on its session's executor: reads hop there unless this is it (one I/O thread).
    const auto at = s->x->get_executor();
    const bool here = at == co_await asio::this_coro::executor;
    result<response_head> head = make_error_code(error::stream_cancelled);
    if (here) {
        head = co_await s->x->read_head(clock::now() + connect_timeout);
    } else {
        auto answer = s->x->read_head(clock::now() + connect_timeout);
        head = co_await transport::run_on(at, std::move(answer));
    }
    while (head) {
        result<std::optional<std::string>> datagram = make_error_code(error::stream_cancelled);
        if (here) {
            datagram = co_await s->x->read_body();
        } else {
            auto next = s->x->read_body();
            datagram = co_await transport::run_on(at, std::move(next));
        }
        if (!datagram || !*datagram) break;
        s->last = clock::now();
        // Best effort, as UDP: a send that fails (peer gone, buffer full) loses that datagram.
        auto [ec, n] = co_await socket.async_send_to(asio::buffer(**datagram), peer, as_tuple_awaitable);
        if (!ec) {
            raw_traffic::add(traffic->udp_datagrams_out, 1);
            raw_traffic::add(traffic->udp_bytes_out, n);
        }
        if (ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor) break;
    }
    cancel_on_session(s->x, make_error_code(error::stream_cancelled));
    if (auto it = sessions.find(peer); it != sessions.end() && it->second == s) sessions.erase(it);
    (void)self;
}

}  // namespace

awaitable<void> udp_listener::run() { return serve(shared_from_this()); }

awaitable<void> udp_listener::serve(std::shared_ptr<udp_listener> self) {
    auto& st = *self->impl_;
    const auto timeout = st.server.options().udp_session_timeout;
    const auto connect_timeout = st.server.options().tcp_connect_timeout;
    // The sweeper: sessions silent for the timeout end (every max(1, min(timeout, 30)) s, as the original).
    st.sweep_timer = std::make_shared<asio::steady_timer>(st.server.get_executor());
    auto sweeper = [](std::shared_ptr<udp_listener> self, std::shared_ptr<asio::steady_timer> timer,
                      std::chrono::milliseconds timeout) -> awaitable<void> {
        auto& st = *self->impl_;
        const auto period = std::clamp<std::chrono::milliseconds>(timeout, std::chrono::seconds(1),
                                                                  std::chrono::seconds(30));
        while (!st.closed) {
            timer->expires_after(period);
            auto [ec] = co_await timer->async_wait(as_tuple_awaitable);
            if (ec || st.closed) break;
            const auto now = clock::now();
            for (auto& [peer, s] : st.sessions)
                if (now - s->last >= timeout) cancel_on_session(s->x, make_error_code(error::idle_timeout));
        }
    };
    if (timeout.count() > 0) st.readers.spawn(sweeper(self, st.sweep_timer, timeout), "udp sweeper");

    const auto listener_port = self->local_endpoint().port();
    const auto traffic = st.server.traffic();
    const auto& domain = self->domain_;
    auto buffer = std::make_unique_for_overwrite<char[]>(max_datagram);
    const auto in_flight = std::make_shared<std::atomic<std::size_t>>(0);  // see max_datagram_bytes_in_flight
    while (!st.closed) {
        udp::endpoint peer;
        auto [ec, n] = co_await st.socket.async_receive_from(asio::buffer(buffer.get(), max_datagram), peer,
                                                             as_tuple_awaitable);
        if (st.closed || ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor) break;
        if (ec) continue;  // e.g. ECONNREFUSED from an earlier send: UDP carries on
        const std::string_view datagram(buffer.get(), n);
        auto it = st.sessions.find(peer);
        if (it == st.sessions.end()) {
            request_head head;
            head.kind = stream_kind::udp;
            head.method = "UDP";
            head.target = "/";
            head.has_body = true;
            head.peer = endpoint_text(peer);
            head.listener_port = listener_port;
            auto open = open_udp_stream(st.server, domain, head);
            auto opened = co_await st.server.on_session(domain, std::move(open));
            if (st.closed) {  // closed meanwhile: the stream just opened goes too
                if (opened) cancel_on_session(*opened, make_error_code(error::shutting_down));
                break;
            }
            if (!opened) {  // dropped: offline, no UDP, limit
                spdlog::debug("UDP datagram from {} for tunnel {} dropped: {}", endpoint_text(peer), domain,
                              opened.error().message());
                raw_traffic::add(traffic->udp_datagrams_dropped, 1);
                continue;
            }
            auto s = std::make_shared<peer_session>();
            s->x = *opened;
            it = st.sessions.emplace(peer, s).first;
            st.readers.spawn(relay_replies(self, st.socket, st.sessions, peer, s, connect_timeout, traffic), "udp replies");
        }
        it->second->last = clock::now();
        if (in_flight->load(std::memory_order_relaxed) + n > max_datagram_bytes_in_flight) {
            raw_traffic::add(traffic->udp_datagrams_dropped, 1);
            continue;
        }
        in_flight->fetch_add(n, std::memory_order_relaxed);
        asio::dispatch(it->second->x->get_executor(), [x = it->second->x, traffic, in_flight, d = std::string(datagram)] {
            in_flight->fetch_sub(d.size(), std::memory_order_relaxed);
            if (x->send_datagram(d)) {
                raw_traffic::add(traffic->udp_datagrams_in, 1);
                raw_traffic::add(traffic->udp_bytes_in, d.size());
            } else {
                raw_traffic::add(traffic->udp_datagrams_dropped, 1);  // no credit or room: UDP may lose
            }
        });
    }
    self->close(make_error_code(error::shutting_down));  // the loop was cancelled: the server stops
    // The children (sweeper, reply relays) hold the listener too: they must end before this frame lets go of
    // it, or the last of them would destroy the listener — and its task group — from inside that group's
    // completion. A cancelled coroutine's next co_await throws, so the cancellation that ended the loop (the
    // server's shutdown) is cleared first: close() has already cancelled the children, the join is short.
    co_await asio::this_coro::reset_cancellation_state();
    co_await st.readers.join();
}

}  // namespace tunely::server
