#include "fake_v2_server.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>

#include "tunely/protocol/v2_codec.hpp"

namespace tunely::test {
namespace json = boost::json;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace v2 = protocol::v2;
using namespace std::chrono_literals;

std::size_t fake_stream::datagram_bytes() const {
    std::size_t n = 0;
    for (const auto& d : datagrams) n += d.size();
    return n;
}

fake_v2_server::fake_v2_server() : acceptor_(ioc_, {asio::ip::make_address("127.0.0.1"), 0}), ws_(ioc_) {}

fake_v2_server::~fake_v2_server() {
    work_.reset();
    ioc_.stop();
    if (thread_.joinable()) thread_.join();
}

std::string fake_v2_server::ws_url() const {
    return "ws://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/ws/tunnel";
}

// Runs one operation on the test's thread (before the server's thread exists) with a 15 s limit.
template <class Start>
void fake_v2_server::run(Start start) {
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

json::object fake_v2_server::accept(std::vector<std::string_view> capabilities) {
    run([&](auto done) { acceptor_.async_accept(beast::get_lowest_layer(ws_).socket(), done); });
    run([&](auto done) { ws_.async_accept(done); });
    ws_.read_message_max(protocol::v2_max_frame_size);
    beast::flat_buffer buffer;
    run([&](auto done) { ws_.async_read(buffer, done); });
    auto auth = json::parse(beast::buffers_to_string(buffer.data())).as_object();
    json::array caps{protocol::capability_v2};
    for (auto c : capabilities) caps.emplace_back(c);
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

void fake_v2_server::send(std::vector<std::string> frames) {
    asio::post(ioc_, [this, frames = std::move(frames)]() mutable {
        for (auto& f : frames) out_.push_back(std::move(f));
        if (!writing_) write_next();
    });
}

void fake_v2_server::send(const v2::frame& f) { send(std::vector<std::string>{v2::encode(f)}); }

v2::stream_id fake_v2_server::open_raw(const std::string& method, header_list headers, std::uint32_t timeout_ms,
                                       std::vector<std::string> then) {
    v2::stream_id id;
    {
        std::lock_guard l(mutex_);
        id = next_id_;
        next_id_ += 2;
        streams_[id].udp = method == v2::method_udp;
    }
    v2::open o;
    o.id = id;
    o.raw = true;
    o.timeout_ms = timeout_ms;
    o.method = method;
    o.target = "/";
    o.headers = std::move(headers);
    std::vector<std::string> frames{v2::encode(o)};
    for (auto& f : then) frames.push_back(std::move(f));
    send(std::move(frames));
    return id;
}

void fake_v2_server::reset(v2::stream_id id, v2::reset_code code, std::string message) {
    {
        std::lock_guard l(mutex_);
        streams_[id].we_reset = true;
    }
    send(v2::reset{id, code, std::move(message)});
}

bool fake_v2_server::send_data(v2::stream_id id, std::string_view bytes, bool last) {
    do {
        std::size_t n;
        {
            std::unique_lock l(mutex_);
            auto& s = streams_[id];
            if (!changed_.wait_for(l, 20s, [&] { return s.send_credit > 0 || bytes.empty() || s.reset || closed_; })) {
                ADD_FAILURE() << "fake server: no credit from the client for 20 s";
                return false;
            }
            if (s.reset || closed_) return false;
            n = std::min({bytes.size(), protocol::v2_max_data_payload, static_cast<std::size_t>(s.send_credit)});
            s.send_credit -= static_cast<std::int64_t>(n);
        }
        send(std::vector<std::string>{v2::encode_data(id, bytes.substr(0, n), last && n == bytes.size())});
        bytes.remove_prefix(n);
    } while (!bytes.empty());
    return true;
}

bool fake_v2_server::send_datagram(v2::stream_id id, std::string_view datagram, bool end_stream) {
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

void fake_v2_server::auto_window(bool on) {
    asio::post(ioc_, [this, on] {
        std::lock_guard l(mutex_);
        auto_window_ = on;
        if (!on) return;
        for (auto& [id, s] : streams_) grant(id, s, true);
    });
}

fake_stream fake_v2_server::wait(v2::stream_id id, const std::function<bool(const fake_stream&)>& pred,
                                 std::chrono::milliseconds timeout) {
    std::unique_lock l(mutex_);
    changed_.wait_for(l, timeout, [&] { return pred(streams_[id]) || closed_; });
    return streams_[id];
}

fake_stream fake_v2_server::state(v2::stream_id id) {
    std::lock_guard l(mutex_);
    return streams_[id];
}

fake_stream fake_v2_server::wait_reset(v2::stream_id id, std::chrono::milliseconds timeout) {
    return wait(id, [](const fake_stream& s) { return s.reset.has_value(); }, timeout);
}

fake_stream fake_v2_server::wait_datagrams(v2::stream_id id, std::size_t n, std::chrono::milliseconds timeout) {
    return wait(id, [n](const fake_stream& s) { return s.datagrams.size() >= n; }, timeout);
}

std::vector<std::string> fake_v2_server::violations() {
    std::lock_guard l(mutex_);
    return violations_;
}

std::string fake_v2_server::first_violation() {
    auto v = violations();
    return v.empty() ? std::string() : v.front();
}

void fake_v2_server::write_next() {
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

void fake_v2_server::read_next() {
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
void fake_v2_server::grant(v2::stream_id id, fake_stream& s, bool any) {
    if (s.ended || s.reset || s.we_reset || s.unacknowledged == 0) return;
    if (!any && s.unacknowledged < protocol::v2_initial_window / 2) return;
    auto n = static_cast<std::uint32_t>(s.unacknowledged);
    s.receive_credit += n;
    s.unacknowledged = 0;
    out_.push_back(v2::encode(v2::window{id, n}));
    if (!writing_) write_next();
}

void fake_v2_server::violation(std::string what) { violations_.push_back(std::move(what)); }

void fake_v2_server::on_frame(const std::string& bytes) {
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
        s.received += r->body;
        s.receive_credit -= static_cast<std::int64_t>(r->body.size());
        if (r->end_stream) s.ended = true;
        return;
    }
    if (auto* d = std::get_if<v2::data>(&*f)) {
        auto it = streams_.find(d->id);
        if (it == streams_.end()) return violation("DATA for a stream never opened");
        auto& s = it->second;
        const auto id = std::to_string(d->id);
        if (!s.status) return violation("DATA before RESPONSE on stream " + id);
        if (s.ended) return violation("DATA after END_STREAM on stream " + id);
        if (s.reset) return violation("DATA after RESET on stream " + id);
        if (s.udp && d->end_stream) return violation("END_STREAM on UDP stream " + id);
        const auto n = static_cast<std::int64_t>(d->bytes.size());
        if (n > s.receive_credit) return violation("DATA beyond the credit on stream " + id);
        s.receive_credit -= n;
        s.received += d->bytes;
        s.datagrams.push_back(d->bytes);
        s.unacknowledged += d->bytes.size();
        if (d->end_stream) s.ended = true;
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

std::unique_ptr<child_process> connect_to(const fake_v2_server& server, const std::string& target_url,
                                          std::vector<std::string> extra) {
    std::vector<std::string> args{"connect", "--server", server.ws_url(), "--token", "tun_" + std::string(43, 'A'),
                                  "--target", target_url, "--reconnect", "0.2", "--log-level", "debug"};
    args.insert(args.end(), extra.begin(), extra.end());
    return std::make_unique<child_process>(tunely_binary(), args);
}

bool has_capability(const json::object& auth, std::string_view name) {
    if (!auth.contains("capabilities")) return false;
    const auto& caps = auth.at("capabilities").as_array();
    return std::any_of(caps.begin(), caps.end(), [&](const json::value& c) { return c.as_string() == name; });
}

}  // namespace tunely::test
