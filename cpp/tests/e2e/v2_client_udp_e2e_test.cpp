// Raw UDP streams (spec/PROTOCOL.md §2.15, capability tunely/2+udp): our `tunely connect` against a
// hand-made protocol-2 server that speaks frames with the codec, and a UDP echo target on loopback. One
// DATA frame is one datagram both ways. The fake server keeps the rules a real one must: it sends a datagram
// only when the credit the client granted covers all of it, grants credit back as datagrams arrive (or,
// when told, does not), and flags every frame the client sends against the rules (beyond its credit, DATA
// before RESPONSE or after END_STREAM or RESET, a second RESPONSE).
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "tunely/client/tunnel_client.hpp"
#include "tunely/protocol/limits.hpp"
#include "tunely/protocol/v2_codec.hpp"
#include "tunely_stack.hpp"
#include "udp_peers.hpp"

namespace tunely::test {
namespace {
namespace json = boost::json;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace v2 = protocol::v2;
using namespace std::chrono_literals;
using udp_peers::echo_target;

// ------------------------------------------------------------------ a hand-made protocol-2 server

// What the fake server saw of one stream.
struct stream_state {
    std::optional<unsigned> status;  // the client's RESPONSE
    header_list response_headers;
    bool response_end_stream = false;
    bool response_body = false;               // RESPONSE carried inline bytes
    std::vector<std::string> datagrams;       // the client's DATA frames, one each
    bool ended = false;                       // the client's direction ended (END_STREAM)
    std::optional<v2::reset> reset;           // the client reset it
    bool we_reset = false;                    // we reset it (no more frames expected)
    std::int64_t send_credit = protocol::v2_initial_window;     // what we may still send
    std::int64_t receive_credit = protocol::v2_initial_window;  // what the client may still send
    std::size_t unacknowledged = 0;                             // received, not yet granted back
    std::size_t bytes() const {
        std::size_t n = 0;
        for (const auto& d : datagrams) n += d.size();
        return n;
    }
};

class fake_v2_server {
public:
    fake_v2_server() : acceptor_(ioc_, {asio::ip::make_address("127.0.0.1"), 0}), ws_(ioc_) {}

    ~fake_v2_server() {
        work_.reset();
        ioc_.stop();
        if (thread_.joinable()) thread_.join();
    }

    std::string ws_url() const {
        return "ws://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/ws/tunnel";
    }

    // Accepts the client, answers its `auth` (echoing tunely/2+udp when `offer_udp`) and starts reading its
    // frames on the server's thread. Returns the auth message.
    json::object accept(bool offer_udp = true) {
        run([&](auto done) { acceptor_.async_accept(beast::get_lowest_layer(ws_).socket(), done); });
        run([&](auto done) { ws_.async_accept(done); });
        ws_.read_message_max(protocol::v2_max_frame_size);
        beast::flat_buffer buffer;
        run([&](auto done) { ws_.async_read(buffer, done); });
        auto auth = json::parse(beast::buffers_to_string(buffer.data())).as_object();
        json::array caps{protocol::capability_v2, protocol::capability_tcp};
        if (offer_udp) caps.push_back(protocol::capability_udp);
        auto ok = json::serialize(json::object{{"type", "auth_ok"}, {"domain", "raw"}, {"tunnel_id", "7"},
                                               {"server_version", "test"}, {"capabilities", caps}});
        ws_.text(true);
        run([&](auto done) { ws_.async_write(asio::buffer(ok), done); });
        ioc_.restart();
        work_.emplace(ioc_.get_executor());
        read_next();
        thread_ = std::thread([this] { ioc_.run(); });
        return auth;
    }

    // Sends frames in this order, back to back.
    void send(std::vector<std::string> frames) {
        asio::post(ioc_, [this, frames = std::move(frames)]() mutable {
            for (auto& f : frames) out_.push_back(std::move(f));
            if (!writing_) write_next();
        });
    }
    void send(const v2::frame& f) { send(std::vector<std::string>{v2::encode(f)}); }

    // Resets stream `id` (the external peer's session ended).
    void reset(v2::stream_id id, v2::reset_code code, std::string message) {
        {
            std::lock_guard l(mutex_);
            streams_[id].we_reset = true;
        }
        send(v2::reset{id, code, std::move(message)});
    }

    // A raw OPEN of kind `method`, as ours sends it; `then`: frames sent right behind it. Returns the id.
    v2::stream_id open_raw(const std::string& method = v2::method_udp, std::vector<std::string> then = {}) {
        v2::stream_id id;
        {
            std::lock_guard l(mutex_);
            id = next_id_;
            next_id_ += 2;
            streams_[id];
        }
        v2::open o;
        o.id = id;
        o.raw = true;
        o.timeout_ms = 10'000;
        o.method = method;
        o.target = "/";
        o.headers.add("tunely-peer", "203.0.113.7:" + std::to_string(50000 + id));
        o.headers.add("tunely-listener", "5353");
        std::vector<std::string> frames{v2::encode(o)};
        for (auto& f : then) frames.push_back(std::move(f));
        send(std::move(frames));
        return id;
    }

    // Sends `datagram` as one DATA on `id` once the client's credit covers all of it (waits for WINDOW).
    // False when the stream was reset or the session ended.
    bool send_datagram(v2::stream_id id, std::string_view datagram, bool end_stream = false) {
        {
            std::unique_lock l(mutex_);
            auto& s = streams_[id];
            const auto n = static_cast<std::int64_t>(datagram.size());
            if (!changed_.wait_for(l, 20s, [&] { return s.send_credit >= n || s.reset || closed_; })) {
                ADD_FAILURE() << "fake server: no credit from the client for 20 s";
                return false;
            }
            if (s.reset || closed_) return false;
            s.send_credit -= n;
        }
        send(std::vector<std::string>{v2::encode_data(id, datagram, end_stream)});
        return true;
    }

    // Whether we grant the client credit back as its DATA arrives (on: at half a window, as ours does).
    // Turning it on grants what was held back.
    void auto_window(bool on) {
        asio::post(ioc_, [this, on] {
            std::lock_guard l(mutex_);
            auto_window_ = on;
            if (!on) return;
            for (auto& [id, s] : streams_) grant(id, s, true);
        });
    }

    // Waits until `pred` holds for stream `id`; returns its state then (or at the timeout).
    stream_state wait(v2::stream_id id, const std::function<bool(const stream_state&)>& pred,
                      std::chrono::milliseconds timeout = 20s) {
        std::unique_lock l(mutex_);
        changed_.wait_for(l, timeout, [&] { return pred(streams_[id]) || closed_; });
        return streams_[id];
    }
    stream_state state(v2::stream_id id) {
        std::lock_guard l(mutex_);
        return streams_[id];
    }
    stream_state wait_reset(v2::stream_id id, std::chrono::milliseconds timeout = 20s) {
        return wait(id, [](const stream_state& s) { return s.reset.has_value(); }, timeout);
    }
    stream_state wait_datagrams(v2::stream_id id, std::size_t n, std::chrono::milliseconds timeout = 20s) {
        return wait(id, [n](const stream_state& s) { return s.datagrams.size() >= n; }, timeout);
    }
    // Frames the client sent against the rules.
    std::vector<std::string> violations() {
        std::lock_guard l(mutex_);
        return violations_;
    }

private:
    template <class Start>
    void run(Start start) {
        boost::system::error_code result;
        bool finished = false;
        start([&](boost::system::error_code ec, auto&&...) {
            result = ec;
            finished = true;
        });
        ioc_.restart();
        ioc_.run_for(15s);
        if (!finished) throw std::runtime_error("fake server: timed out");
        if (result) throw std::runtime_error("fake server: " + result.message());
    }

    void write_next() {
        writing_ = true;
        ws_.binary(true);
        ws_.async_write(asio::buffer(out_.front()), [this](boost::system::error_code ec, std::size_t) {
            out_.pop_front();
            if (ec || out_.empty()) {
                writing_ = false;
                if (ec) out_.clear();
                return;
            }
            write_next();
        });
    }

    void read_next() {
        ws_.async_read(in_, [this](boost::system::error_code ec, std::size_t) {
            if (ec) {
                std::lock_guard l(mutex_);
                closed_ = true;
                changed_.notify_all();
                return;
            }
            auto bytes = beast::buffers_to_string(in_.data());
            in_.consume(in_.size());
            on_frame(bytes);
            read_next();
        });
    }

    // On the server's thread, under the lock.
    void grant(v2::stream_id id, stream_state& s, bool any) {
        if (s.ended || s.reset || s.we_reset || s.unacknowledged == 0) return;
        if (!any && s.unacknowledged < protocol::v2_initial_window / 2) return;
        auto n = static_cast<std::uint32_t>(s.unacknowledged);
        s.receive_credit += n;
        s.unacknowledged = 0;
        out_.push_back(v2::encode(v2::window{id, n}));
        if (!writing_) write_next();
    }

    void violation(std::string what) { violations_.push_back(std::move(what)); }

    void on_frame(const std::string& bytes) {
        auto f = v2::decode(bytes);
        std::lock_guard l(mutex_);
        changed_.notify_all();
        if (!f) return violation("undecodable frame: " + f.error().message());
        if (auto* p = std::get_if<v2::ping>(&*f)) {
            out_.push_back(v2::encode(v2::pong{p->opaque}));
            if (!writing_) write_next();
            return;
        }
        if (auto* r = std::get_if<v2::response>(&*f)) {
            auto it = streams_.find(r->id);
            if (it == streams_.end()) return violation("RESPONSE for a stream never opened");
            auto& s = it->second;
            if (s.status) return violation("second RESPONSE on stream " + std::to_string(r->id));
            s.status = r->status;
            s.response_headers = r->headers;
            s.response_end_stream = r->end_stream;
            s.response_body = !r->body.empty();
            if (r->end_stream) s.ended = true;
            return;
        }
        if (auto* d = std::get_if<v2::data>(&*f)) {
            auto it = streams_.find(d->id);
            if (it == streams_.end()) return violation("DATA for a stream never opened");
            auto& s = it->second;
            if (!s.status) return violation("DATA before RESPONSE on stream " + std::to_string(d->id));
            if (s.ended) return violation("DATA after END_STREAM on stream " + std::to_string(d->id));
            if (s.reset) return violation("DATA after RESET on stream " + std::to_string(d->id));
            const auto n = static_cast<std::int64_t>(d->bytes.size());
            if (n > s.receive_credit) return violation("DATA beyond the credit on stream " + std::to_string(d->id));
            if (d->end_stream) return violation("END_STREAM on UDP stream " + std::to_string(d->id));
            s.receive_credit -= n;
            s.datagrams.push_back(d->bytes);
            s.unacknowledged += d->bytes.size();
            if (auto_window_) grant(d->id, s, false);
            return;
        }
        if (auto* w = std::get_if<v2::window>(&*f)) {
            auto it = streams_.find(w->id);
            if (it != streams_.end()) it->second.send_credit += w->increment;
            return;
        }
        if (auto* r = std::get_if<v2::reset>(&*f)) {
            auto it = streams_.find(r->id);
            if (it == streams_.end()) return violation("RESET for a stream never opened");
            if (it->second.reset) return violation("second RESET on stream " + std::to_string(r->id));
            it->second.reset = *r;
            return;
        }
    }

    asio::io_context ioc_;
    asio::ip::tcp::acceptor acceptor_;
    beast::websocket::stream<beast::tcp_stream> ws_;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
    std::thread thread_;
    // The server's thread only:
    std::deque<std::string> out_;
    bool writing_ = false;
    beast::flat_buffer in_;
    // Shared with the test's thread:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::map<v2::stream_id, stream_state> streams_;
    std::vector<std::string> violations_;
    v2::stream_id next_id_ = 1;
    bool auto_window_ = true;
    bool closed_ = false;
};

std::unique_ptr<child_process> connect_to(const fake_v2_server& server, const std::string& target_url,
                                          std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"connect", "--server", server.ws_url(), "--token", "tun_" + std::string(43, 'A'),
                                  "--target", target_url, "--reconnect", "0.2", "--log-level", "debug"};
    args.insert(args.end(), extra.begin(), extra.end());
    return std::make_unique<child_process>(tunely_binary(), args);
}

// The target URL whose host and port are the UDP echo target's (no --udp-target: derived from it).
std::string url_of(const echo_target& target) { return "http://" + target.address(); }

bool has_capability(const json::object& auth, std::string_view name) {
    if (!auth.contains("capabilities")) return false;
    const auto& caps = auth.at("capabilities").as_array();
    return std::any_of(caps.begin(), caps.end(), [&](const json::value& c) { return c.as_string() == name; });
}

// The client answered the OPEN: RESPONSE or RESET.
bool answered(const stream_state& s) { return s.status.has_value() || s.reset.has_value(); }

// Datagram `i` of a run: its number first, then bytes of a size that varies (a few large ones too).
std::string datagram_of(std::size_t i) {
    std::size_t size = (i * 37) % 1400;
    if (i % 100 == 50) size = 60'000;
    if (i == 999) size = 65'507;  // the largest UDP payload
    std::string out = "#" + std::to_string(i) + ":";
    for (std::size_t k = 0; out.size() < size; ++k) out.push_back(static_cast<char>((i * 131 + k * 7) & 0xff));
    return out;
}

std::string no_violation(fake_v2_server& server) {
    auto v = server.violations();
    return v.empty() ? std::string() : v.front();
}

// ------------------------------------------------------------------ tests

TEST(v2_client_udp, offers_the_capability_and_echoes_a_thousand_datagrams_with_their_boundaries) {
    echo_target target;
    fake_v2_server server;
    auto client = connect_to(server, url_of(target));  // no --udp-target: the target URL's host and port
    json::object auth;
    ASSERT_NO_THROW(auth = server.accept());
    EXPECT_TRUE(has_capability(auth, protocol::capability_v2)) << json::serialize(auth);
    EXPECT_TRUE(has_capability(auth, protocol::capability_udp)) << json::serialize(auth);

    const auto id = server.open_raw();
    auto head = server.wait(id, answered);
    ASSERT_EQ(head.status, 200u) << (head.reset ? head.reset->message : "no answer") << client->output();
    EXPECT_FALSE(head.response_end_stream);
    EXPECT_FALSE(head.response_body);
    EXPECT_TRUE(head.response_headers.empty());

    constexpr std::size_t total = 1000, in_flight = 16;  // paced: loopback UDP drops nothing at this rate
    std::vector<std::string> sent;
    for (std::size_t i = 0; i < total; ++i) {
        if (i >= in_flight) {
            auto s = server.wait_datagrams(id, i - in_flight + 1);
            ASSERT_GE(s.datagrams.size(), i - in_flight + 1) << "echo " << i - in_flight << " missing";
        }
        sent.push_back(datagram_of(i));
        ASSERT_TRUE(server.send_datagram(id, sent.back()));
    }
    auto s = server.wait_datagrams(id, total);
    ASSERT_EQ(s.datagrams.size(), total);
    for (std::size_t i = 0; i < total; ++i)
        ASSERT_TRUE(s.datagrams[i] == sent[i]) << "datagram " << i << ": " << s.datagrams[i].size() << " bytes back, "
                                               << sent[i].size() << " sent";
    auto seen = target.received();
    ASSERT_EQ(seen.size(), total);
    for (std::size_t i = 0; i < total; ++i) ASSERT_TRUE(seen[i].bytes == sent[i]) << "target got datagram " << i;
    EXPECT_EQ(target.sources().size(), 1u) << "one stream, one socket";
    EXPECT_FALSE(s.reset.has_value());
    EXPECT_EQ(no_violation(server), "");
}

TEST(v2_client_udp, zero_length_datagrams_and_datagrams_before_the_response_travel) {
    echo_target target;
    fake_v2_server server;
    auto client = connect_to(server, url_of(target));
    ASSERT_NO_THROW(server.accept());
    // Right behind the OPEN, before the client can have its socket: held, then sent in order.
    const auto id = server.open_raw(v2::method_udp, {v2::encode_data(1, "first", false), v2::encode_data(1, "", false),
                                                     v2::encode_data(1, "third", false)});
    ASSERT_EQ(id, 1u);
    ASSERT_TRUE(target.wait_count(3, 10s)) << client->output();
    auto seen = target.received();
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[0].bytes, "first");
    EXPECT_EQ(seen[1].bytes, "") << "a zero-length DATA is a zero-length datagram";
    EXPECT_EQ(seen[2].bytes, "third");
    auto s = server.wait_datagrams(id, 3);
    EXPECT_EQ(s.status, 200u);
    ASSERT_EQ(s.datagrams.size(), 3u);
    EXPECT_EQ(s.datagrams[0], "first");
    EXPECT_EQ(s.datagrams[1], "") << "a zero-length datagram from the target is a zero-length DATA";
    EXPECT_EQ(s.datagrams[2], "third");
    // And once the session runs.
    ASSERT_TRUE(server.send_datagram(id, ""));
    s = server.wait_datagrams(id, 4);
    ASSERT_EQ(s.datagrams.size(), 4u);
    EXPECT_EQ(s.datagrams[3], "");
    EXPECT_EQ(no_violation(server), "");
}

TEST(v2_client_udp, two_streams_are_two_target_sockets) {
    echo_target target;
    fake_v2_server server;
    auto client = connect_to(server, url_of(target));
    ASSERT_NO_THROW(server.accept());
    const auto a = server.open_raw();
    const auto b = server.open_raw();
    ASSERT_EQ(server.wait(a, answered).status, 200u);
    ASSERT_EQ(server.wait(b, answered).status, 200u);
    ASSERT_TRUE(server.send_datagram(a, "to a"));
    ASSERT_TRUE(target.wait_count(1, 10s));
    ASSERT_TRUE(server.send_datagram(b, "to b"));
    ASSERT_TRUE(target.wait_count(2, 10s));
    auto seen = target.received();
    EXPECT_NE(seen[0].source_port, seen[1].source_port) << "each stream has a socket of its own";
    EXPECT_EQ(server.wait_datagrams(a, 1).datagrams, std::vector<std::string>{"to a"});
    EXPECT_EQ(server.wait_datagrams(b, 1).datagrams, std::vector<std::string>{"to b"});
    // Each socket hears only its own session: the target answering b's port reaches b alone.
    ASSERT_TRUE(target.send_to(seen[1].source_port, "only b"));
    auto sb = server.wait_datagrams(b, 2);
    ASSERT_EQ(sb.datagrams.size(), 2u);
    EXPECT_EQ(sb.datagrams[1], "only b");
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(server.state(a).datagrams.size(), 1u);
    EXPECT_EQ(no_violation(server), "");
}

TEST(v2_client_udp, server_reset_closes_the_socket) {
    echo_target target;
    fake_v2_server server;
    auto client = connect_to(server, url_of(target));
    ASSERT_NO_THROW(server.accept());
    const auto id = server.open_raw();
    ASSERT_EQ(server.wait(id, answered).status, 200u);
    ASSERT_TRUE(server.send_datagram(id, "hello"));
    ASSERT_TRUE(target.wait_count(1, 10s));
    const auto port = target.received().front().source_port;
    EXPECT_TRUE(udp_peers::port_in_use(port)) << "the session's socket is open";
    server.reset(id, v2::reset_code::cancel, "idle timeout");
    EXPECT_TRUE(udp_peers::wait_port(port, false, 2s)) << "the RESET closes the session's socket";
    std::this_thread::sleep_for(200ms);
    EXPECT_FALSE(server.state(id).reset.has_value()) << "no RESET in answer to a RESET";
    // Reported once it ended: method UDP, the external peer, 200.
    EXPECT_TRUE(client->wait_for(R"(UDP 203\.0\.113\.7:50001 200 \d+ ms)", 5s)) << client->output();
    // The session goes on: a new stream gets a new socket.
    const auto again = server.open_raw();
    ASSERT_EQ(server.wait(again, answered).status, 200u);
    ASSERT_TRUE(server.send_datagram(again, "again"));
    EXPECT_EQ(server.wait_datagrams(again, 1).datagrams, std::vector<std::string>{"again"});
    EXPECT_EQ(no_violation(server), "");
}

TEST(v2_client_udp, end_stream_from_the_server_ends_the_session) {
    echo_target target;
    fake_v2_server server;
    auto client = connect_to(server, url_of(target));
    ASSERT_NO_THROW(server.accept());
    const auto id = server.open_raw();
    ASSERT_EQ(server.wait(id, answered).status, 200u);
    ASSERT_TRUE(server.send_datagram(id, "x"));
    ASSERT_TRUE(target.wait_count(1, 10s));
    const auto port = target.received().front().source_port;
    ASSERT_TRUE(server.send_datagram(id, "last", true));  // not used on UDP streams: taken as the end
    auto s = server.wait_reset(id);
    ASSERT_TRUE(s.reset.has_value());
    EXPECT_EQ(s.reset->code, v2::reset_code::cancel) << s.reset->message;
    EXPECT_TRUE(udp_peers::wait_port(port, false, 2s));
    EXPECT_TRUE(target.wait_count(2, 2s)) << "the datagram that came with END_STREAM still went";
    EXPECT_EQ(no_violation(server), "");
}

TEST(v2_client_udp, udp_is_refused_unless_the_server_echoed_the_capability) {
    echo_target target;
    fake_v2_server server;
    auto client = connect_to(server, url_of(target));
    ASSERT_NO_THROW(server.accept(false));
    const auto id = server.open_raw(v2::method_udp, {v2::encode_data(1, "never", false)});
    auto s = server.wait_reset(id);
    ASSERT_TRUE(s.reset.has_value());
    EXPECT_EQ(s.reset->code, v2::reset_code::refused);
    EXPECT_NE(s.reset->message.find("not supported"), std::string::npos) << s.reset->message;
    EXPECT_FALSE(s.status.has_value());
    EXPECT_FALSE(target.wait_count(1, 300ms)) << "a refused stream sends nowhere";
}

TEST(v2_client_udp, datagrams_beyond_the_credit_are_dropped_not_waited_for) {
    echo_target target;
    fake_v2_server server;
    auto client = connect_to(server, url_of(target));
    ASSERT_NO_THROW(server.accept());
    server.auto_window(false);  // no credit back: the client may send one window, then must drop
    const auto id = server.open_raw();
    ASSERT_EQ(server.wait(id, answered).status, 200u);
    target.echo(false);
    ASSERT_TRUE(server.send_datagram(id, "where are you"));
    ASSERT_TRUE(target.wait_count(1, 10s));
    const auto port = target.received().front().source_port;
    const std::string datagram(1000, 'u');
    for (int i = 0; i < 400; ++i) {  // 400 000 bytes against 262 144 of credit
        target.send_to(port, datagram);
        if (i % 8 == 7) std::this_thread::sleep_for(1ms);
    }
    std::this_thread::sleep_for(500ms);
    auto before = server.state(id);
    EXPECT_GT(before.datagrams.size(), 0u);
    EXPECT_LE(before.bytes(), protocol::v2_initial_window);
    EXPECT_LE(before.datagrams.size(), protocol::v2_initial_window / datagram.size());
    EXPECT_EQ(no_violation(server), "") << "never beyond the credit";
    // Credit back: only what the target sends from now on arrives; the dropped ones were not kept.
    server.auto_window(true);
    std::this_thread::sleep_for(200ms);
    target.send_to(port, "fresh");
    auto after = server.wait_datagrams(id, before.datagrams.size() + 1);
    ASSERT_EQ(after.datagrams.size(), before.datagrams.size() + 1);
    EXPECT_EQ(after.datagrams.back(), "fresh");
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(server.state(id).datagrams.size(), before.datagrams.size() + 1) << "nothing held back came later";
    EXPECT_FALSE(server.state(id).reset.has_value());
    EXPECT_EQ(no_violation(server), "");
}

TEST(v2_client_udp, sessions_per_client_session_are_capped) {
    echo_target target;
    fake_v2_server server;
    auto client = connect_to(server, url_of(target));
    ASSERT_NO_THROW(server.accept());
    constexpr std::size_t cap = client::max_udp_sessions, extra = 3;
    std::vector<v2::stream_id> ids;
    for (std::size_t i = 0; i < cap + extra; ++i) ids.push_back(server.open_raw());
    std::size_t refused = 0, ok = 0;
    for (auto id : ids) {
        auto s = server.wait(id, answered, 30s);
        if (s.reset) {
            EXPECT_EQ(s.reset->code, v2::reset_code::refused);
            EXPECT_NE(s.reset->message.find("Too many"), std::string::npos) << s.reset->message;
            ++refused;
        } else if (s.status == 200u) {
            ++ok;
        }
    }
    EXPECT_EQ(ok, cap);
    EXPECT_EQ(refused, extra);
    server.reset(ids.front(), v2::reset_code::cancel, "idle timeout");  // one slot frees
    const auto again = server.open_raw();
    EXPECT_EQ(server.wait(again, answered, 30s).status, 200u);
}

TEST(v2_client_udp, udp_target_overrides_the_target_url) {
    echo_target decoy, target;
    fake_v2_server server;
    auto client = connect_to(server, url_of(decoy), {"--udp-target", target.address()});
    ASSERT_NO_THROW(server.accept());
    const auto id = server.open_raw();
    ASSERT_EQ(server.wait(id, answered).status, 200u) << client->output();
    ASSERT_TRUE(server.send_datagram(id, "where to?"));
    EXPECT_TRUE(target.wait_count(1, 10s));
    EXPECT_EQ(server.wait_datagrams(id, 1).datagrams, std::vector<std::string>{"where to?"});
    EXPECT_EQ(decoy.count(), 0u) << "UDP goes to --udp-target, not the target URL";
}

TEST(v2_client_udp, unresolvable_udp_target_is_reset_target_unavailable) {
    echo_target target;
    fake_v2_server server;
    auto client = connect_to(server, url_of(target), {"--udp-target", "no-such-host.invalid:5353"});
    ASSERT_NO_THROW(server.accept());
    const auto id = server.open_raw();
    auto s = server.wait_reset(id, 30s);
    ASSERT_TRUE(s.reset.has_value()) << client->output();
    EXPECT_EQ(s.reset->code, v2::reset_code::target_unavailable);
    EXPECT_TRUE(s.reset->message.starts_with("Target service unavailable: ")) << s.reset->message;
    EXPECT_FALSE(s.status.has_value());
}

TEST(v2_client_udp, bad_udp_target_is_refused_at_startup) {
    for (const std::string bad : {"no-port", "::1:53", "host:0", "host:65536", "[::1]53"}) {
        child_process c(tunely_binary(), {"connect", "--server", "ws://127.0.0.1:1/ws/tunnel", "--token",
                                          "tun_" + std::string(43, 'A'), "--udp-target", bad});
        EXPECT_EQ(c.wait_exit(10s), 2) << bad << ": " << c.output();
        EXPECT_NE(c.output().find("--udp-target"), std::string::npos) << c.output();
    }
}

}  // namespace
}  // namespace tunely::test
