#pragma once
// A hand-made protocol-2 tunnel server for tests of our `tunely connect`: it speaks frames with the codec
// on one WebSocket, opens raw streams (TCP, UDP; spec/PROTOCOL.md §2.15) and records what the client sends.
// It keeps the rules a real server must: DATA only within the credit the client granted, credit granted
// back at half a window as ours does (or, when told, not), and every frame the client sends against the
// rules is recorded as a violation (beyond its credit, DATA before RESPONSE or after END_STREAM or RESET,
// END_STREAM on a UDP stream, a second RESPONSE or RESET, frames for streams never opened).
//
// Threads: accept() runs on the test's thread; after it the server's own thread reads and writes; every
// other member may be called from the test's thread (state shared under one mutex).
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "child_process.hpp"
#include "tunely/core/header_list.hpp"
#include "tunely/protocol/limits.hpp"
#include "tunely/protocol/v2_frames.hpp"

namespace tunely::test {

// What the fake server saw of one stream.
struct fake_stream {
    bool udp = false;                          // opened with method UDP (one datagram per DATA)
    std::optional<unsigned> status;            // the client's RESPONSE
    header_list response_headers;
    bool response_end_stream = false;
    bool response_body = false;                // RESPONSE carried inline bytes
    std::string received;                      // the client's body bytes (inline in RESPONSE, then DATA)
    std::vector<std::string> datagrams;        // the client's DATA frames, one entry each
    bool ended = false;                        // the client's direction ended (END_STREAM)
    std::optional<protocol::v2::reset> reset;  // the client reset it
    bool we_reset = false;                     // we reset it (no more credit granted)
    std::int64_t send_credit = protocol::v2_initial_window;     // what we may still send
    std::int64_t receive_credit = protocol::v2_initial_window;  // what the client may still send
    std::size_t unacknowledged = 0;                             // received, not yet granted back

    // Bytes of the client's DATA frames on a UDP stream.
    std::size_t datagram_bytes() const;
};

// The client answered the OPEN: RESPONSE or RESET.
inline bool answered(const fake_stream& s) { return s.status.has_value() || s.reset.has_value(); }

class fake_v2_server {
public:
    fake_v2_server();
    ~fake_v2_server();
    fake_v2_server(const fake_v2_server&) = delete;
    fake_v2_server& operator=(const fake_v2_server&) = delete;

    std::string ws_url() const;

    // Accepts the client, answers its `auth` with tunely/2 and `capabilities` (what we echo of its offer)
    // and starts reading its frames on the server's thread. Returns the auth message. Throws when the
    // client does not come within 15 s.
    boost::json::object accept(std::vector<std::string_view> capabilities);

    // Sends frames in this order, back to back.
    void send(std::vector<std::string> frames);
    void send(const protocol::v2::frame& f);

    // A raw OPEN of kind `method` (TCP, UDP, or anything a test wants refused); `then`: frames sent right
    // behind it. Returns the stream id.
    protocol::v2::stream_id open_raw(const std::string& method, header_list headers = {},
                                     std::uint32_t timeout_ms = 0, std::vector<std::string> then = {});
    // Resets stream `id` (our side gave up); no more credit is granted on it.
    void reset(protocol::v2::stream_id id, protocol::v2::reset_code code, std::string message);

    // Sends `bytes` as DATA on `id` (END_STREAM on the last when `last`), never beyond the credit the client
    // granted: waits for its WINDOW frames. False when the stream was reset or the session ended.
    bool send_data(protocol::v2::stream_id id, std::string_view bytes, bool last);
    // Sends `datagram` as one DATA on `id` once the client's credit covers all of it (waits for WINDOW).
    // False when the stream was reset or the session ended.
    bool send_datagram(protocol::v2::stream_id id, std::string_view datagram, bool end_stream = false);

    // Whether we grant the client credit back as its DATA arrives (on: at half a window, as ours does).
    // Turning it on grants what was held back.
    void auto_window(bool on);

    // Waits until `pred` holds for stream `id` (or the session ended); returns its state then (or at the
    // timeout).
    fake_stream wait(protocol::v2::stream_id id, const std::function<bool(const fake_stream&)>& pred,
                     std::chrono::milliseconds timeout = std::chrono::seconds(20));
    fake_stream state(protocol::v2::stream_id id);
    fake_stream wait_reset(protocol::v2::stream_id id, std::chrono::milliseconds timeout = std::chrono::seconds(20));
    fake_stream wait_datagrams(protocol::v2::stream_id id, std::size_t n,
                               std::chrono::milliseconds timeout = std::chrono::seconds(20));
    // Frames the client sent against the rules.
    std::vector<std::string> violations();
    // The first violation, or empty.
    std::string first_violation();

private:
    template <class Start>
    void run(Start start);
    void write_next();
    void read_next();
    void grant(protocol::v2::stream_id id, fake_stream& s, bool any);
    void violation(std::string what);
    void on_frame(const std::string& bytes);

    boost::asio::io_context ioc_;
    boost::asio::ip::tcp::acceptor acceptor_;
    boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
    std::thread thread_;
    // The server's thread only:
    std::deque<std::string> out_;
    bool writing_ = false;
    boost::beast::flat_buffer in_;
    // Shared with the test's thread:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::map<protocol::v2::stream_id, fake_stream> streams_;
    std::vector<std::string> violations_;
    protocol::v2::stream_id next_id_ = 1;
    bool auto_window_ = true;
    bool closed_ = false;
};

// `tunely connect` to the fake server (protocol 2 offered as usual), with `extra` arguments.
std::unique_ptr<child_process> connect_to(const fake_v2_server& server, const std::string& target_url,
                                          std::vector<std::string> extra = {});
// Whether the client's `auth` offers capability `name`.
bool has_capability(const boost::json::object& auth, std::string_view name);

}  // namespace tunely::test
