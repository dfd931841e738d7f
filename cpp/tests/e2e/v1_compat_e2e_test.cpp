// Protocol 1.1 with the original Tunely's peers (shared/compat/tunely-0.12.md §4.2, spec/PROTOCOL.md §1.6):
// request bodies for clients that JSON-decode them and from servers that JSON-encode them, Content-Encoding
// (a 1.1 body is decoded text), the Content-Length of HEAD answers. Our server against a hand-made 1.1 client;
// our `tunely connect` against our server and against a hand-made 1.1 server that answers like an original.
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <future>

#include "test_target.hpp"
#include "tunely/client/tunnel_client.hpp"
#include "tunely/core/base64.hpp"
#include "tunely_stack.hpp"

namespace tunely::test {
namespace {
namespace json = boost::json;
namespace asio = boost::asio;
namespace beast = boost::beast;

// ------------------------------------------------------------------ our server, a hand-made 1.1 client

// The capabilities the original Python client 0.12 announces (it JSON-decodes `body`).
constexpr const char* original_capabilities = R"(["binary_frames","chunked_http","udp"])";

class v1_compat_server : public ::testing::Test {
protected:
    // Authenticates a raw 1.1 client for `domain`; `capabilities` is the JSON array it announces (or none).
    std::unique_ptr<ws_test_client> connect(const std::string& domain, const std::string& capabilities = {}) {
        auto token = server.create_tunnel(domain);
        auto ws = std::make_unique<ws_test_client>(server.port(), "/ws/tunnel");
        std::string caps = capabilities.empty() ? "" : R"(,"capabilities":)" + capabilities;
        ws->send_text(R"({"type":"auth","token":")" + token + R"(","client_version":"0.12.0","force":false)" + caps +
                      "}");
        auto ok = json::parse(ws->read().data).as_object();
        EXPECT_EQ(ok.at("type").as_string(), "auth_ok");
        // Of the original's capabilities the server shares binary_frames (binary tcp_data) and udp.
        if (capabilities.find("binary_frames") != std::string::npos)
            EXPECT_EQ(json::serialize(ok.at("capabilities")), R"(["binary_frames","udp"])");
        else
            EXPECT_FALSE(ok.contains("capabilities") && !ok.at("capabilities").as_array().empty())
                << json::serialize(ok);
        return ws;
    }

    static json::object next_request(ws_test_client& ws) {
        for (;;) {
            auto m = ws.read();
            if (m.closed) throw std::runtime_error("closed: " + m.close_reason);
            auto v = json::parse(m.data).as_object();
            if (v.at("type").as_string() == "request") return v;
        }
    }

    std::future<http_result> call(std::string method, std::string target, std::string body = {},
                                  std::vector<std::pair<std::string, std::string>> headers = {}) {
        return std::async(std::launch::async, [=, this] {
            http_call c;
            c.method = method;
            c.target = target;
            c.body = body;
            c.headers = headers;
            return http_request(server.port(), c);
        });
    }

    // Sends a caller's POST with `body` and returns the `body` member of the `request` frame the client got
    // (answering it with 204 so the caller completes).
    json::value body_in_frame(ws_test_client& ws, const std::string& domain, const std::string& body) {
        auto pending = call("POST", "/t/" + domain + "/post", body, {{"Content-Type", "application/json"}});
        auto req = next_request(ws);
        ws.send_text(json::serialize(json::object{{"type", "response"}, {"id", req.at("id")}, {"status", 204},
                                                  {"body", nullptr}, {"error", nullptr}}));
        auto r = pending.get();
        EXPECT_EQ(r.status, 204u) << r.error << r.body;
        return req.at("body");
    }

    tunely_server_process server{{"--no-protocol-2"}};  // our own client below must speak 1.1 too
};

TEST_F(v1_compat_server, client_announcing_original_capabilities_gets_bodies_as_json_string_literals) {
    auto ws = connect("decoder", original_capabilities);
    // Each body is a JSON string literal of the exact text: json.loads() in the client gives the text back.
    for (std::string sent : {R"("quoted")", "42", "true", "null", R"({"a": 1,  "b": [1, 2]})",
                             "a=1&b=two+words", "h\xc3\xa9llo \xe2\x9c\x93\n\t\"q\" back\\slash"}) {
        SCOPED_TRACE(sent);
        auto body = body_in_frame(*ws, "decoder", sent);
        ASSERT_TRUE(body.is_string());
        auto decoded = json::parse(body.as_string());
        ASSERT_TRUE(decoded.is_string()) << body.as_string();
        EXPECT_EQ(decoded.as_string(), sent);
    }
    // An empty body is still no body.
    auto pending = call("GET", "/t/decoder/get");
    auto req = next_request(*ws);
    EXPECT_TRUE(req.at("body").is_null());
    ws->send_text(json::serialize(json::object{{"type", "response"}, {"id", req.at("id")}, {"status", 200},
                                               {"body", "ok"}, {"error", nullptr}}));
    EXPECT_EQ(pending.get().body, "ok");
}

TEST_F(v1_compat_server, client_without_capabilities_gets_the_exact_text) {
    // The npm client 0.2.1 (and older Python clients) announce nothing; the npm client forwards `body` as is.
    auto ws = connect("verbatim");
    for (std::string sent : {R"("quoted")", "42", R"({"a": 1,  "b": [1, 2]})", "a=1&b=two+words"}) {
        SCOPED_TRACE(sent);
        auto body = body_in_frame(*ws, "verbatim", sent);
        ASSERT_TRUE(body.is_string());
        EXPECT_EQ(body.as_string(), sent);
    }
}

TEST_F(v1_compat_server, client_announcing_only_our_capabilities_gets_the_exact_text) {
    // Our own client offers protocol 2; with protocol 2 disabled on the server it speaks 1.1 and takes `body`
    // as the exact text.
    auto ws = connect("ours", R"(["tunely/2","tunely/2+upgrade","tunely/2+batch"])");
    auto body = body_in_frame(*ws, "ours", R"("quoted")");
    ASSERT_TRUE(body.is_string());
    EXPECT_EQ(body.as_string(), R"("quoted")");
}

TEST_F(v1_compat_server, the_1_mib_request_message_limit_counts_the_json_string_literal) {
    // 400 KiB of quotes: 800 KiB once escaped in the frame (fits in 1 MiB), 1.6 MiB when the body is first
    // made a JSON string literal (each " becomes \" and then \\\").
    const std::string quotes(400 * 1024, '"');
    auto plain = connect("plain-limit");
    auto body = body_in_frame(*plain, "plain-limit", quotes);
    EXPECT_EQ(body.as_string().size(), quotes.size());

    auto decoder = connect("decoder-limit", original_capabilities);
    auto r = call("POST", "/t/decoder-limit/post", quotes, {{"Content-Type", "text/plain"}}).get();
    EXPECT_EQ(r.status, 413u) << r.body;
    // The session lives on: the next request reaches the client.
    auto body2 = body_in_frame(*decoder, "decoder-limit", "small");
    EXPECT_EQ(json::parse(body2.as_string()).as_string(), "small");
}

TEST_F(v1_compat_server, content_encoding_is_dropped_from_1_1_answers) {
    // The original clients' HTTP libraries decode a gzip body but forward the target's Content-Encoding.
    auto ws = connect("coded", original_capabilities);
    auto pending = call("GET", "/t/coded/gzip", {}, {{"Accept-Encoding", "gzip"}});
    auto req = next_request(*ws);
    ws->send_text(json::serialize(json::object{
        {"type", "response"}, {"id", req.at("id")}, {"status", 200},
        {"headers", json::object{{"content-type", "text/plain"}, {"content-encoding", "gzip"}, {"content-length", "47"}}},
        {"body", "decoded text"}, {"error", nullptr}}));
    auto r = pending.get();
    EXPECT_EQ(r.status, 200u) << r.error;
    EXPECT_EQ(r.body, "decoded text");
    EXPECT_EQ(r.header("content-encoding"), "");
    EXPECT_EQ(r.header("content-length"), "12");
    EXPECT_EQ(r.header("content-type"), "text/plain");

    // The same for a streamed answer.
    std::vector<timed_chunk> chunks;
    auto streamed = std::async(std::launch::async, [&] {
        http_call c;
        c.target = "/t/coded/events";
        return http_request_streamed(server.port(), c, chunks);
    });
    req = next_request(*ws);
    ws->send_text(json::serialize(json::object{
        {"type", "stream_start"}, {"id", req.at("id")}, {"status", 200},
        {"headers", json::object{{"content-type", "text/event-stream"}, {"content-encoding", "br"}}}}));
    ws->send_text(json::serialize(json::object{{"type", "stream_chunk"}, {"id", req.at("id")}, {"data", "data: 1\n\n"}}));
    ws->send_text(json::serialize(json::object{{"type", "stream_end"}, {"id", req.at("id")}, {"error", nullptr}}));
    auto s = streamed.get();
    EXPECT_EQ(s.status, 200u) << s.error;
    EXPECT_EQ(s.body, "data: 1\n\n");
    EXPECT_EQ(s.header("content-encoding"), "");
}

TEST_F(v1_compat_server, head_answer_keeps_the_content_length_a_get_would_have) {
    auto ws = connect("head");
    auto answer_head = [&](json::object headers) {
        auto pending = call("HEAD", "/t/head/thing");
        auto req = next_request(*ws);
        EXPECT_EQ(req.at("method").as_string(), "HEAD");
        ws->send_text(json::serialize(json::object{{"type", "response"}, {"id", req.at("id")}, {"status", 200},
                                                   {"headers", std::move(headers)}, {"body", ""}, {"error", nullptr}}));
        auto r = pending.get();
        EXPECT_EQ(r.status, 200u) << r.error;
        EXPECT_EQ(r.body, "");
        return r;
    };
    // The target's length (RFC 9110 §9.3.2, §8.6), not the length of the empty 1.1 body.
    auto r = answer_head({{"content-type", "application/json"}, {"content-length", "1234"}});
    EXPECT_EQ(r.header("content-length"), "1234");
    // A length of coded bytes is not what a GET would carry (the decoded text): none rather than a wrong one.
    r = answer_head({{"content-length", "47"}, {"content-encoding", "gzip"}});
    EXPECT_EQ(r.header("content-length"), "");
    EXPECT_EQ(r.header("content-encoding"), "");
    // No length from the client: none (not 0).
    r = answer_head({{"x-probe", "1"}});
    EXPECT_EQ(r.header("content-length"), "");
    EXPECT_EQ(r.header("x-probe"), "1");
    // A GET still gets the length of the text it carries.
    auto pending = call("GET", "/t/head/thing");
    auto req = next_request(*ws);
    ws->send_text(json::serialize(json::object{{"type", "response"}, {"id", req.at("id")}, {"status", 200},
                                               {"headers", json::object{{"content-length", "1234"}}},
                                               {"body", "four"}, {"error", nullptr}}));
    auto g = pending.get();
    EXPECT_EQ(g.body, "four");
    EXPECT_EQ(g.header("content-length"), "4");
}

// ------------------------------------------------------------------ our 1.1 client against our server

TEST_F(v1_compat_server, our_1_1_client_asks_the_target_for_identity_bodies) {
    test_target target;
    auto client = start_client(server, server.create_tunnel("identity"), target.url(), {"--log-level", "debug"});
    ASSERT_TRUE(server.wait_connected("identity")) << client->output();
    auto through = [&](const std::string& method, const std::string& path) {
        http_call c;
        c.method = method;
        c.target = "/t/identity" + path;
        c.headers = {{"Accept-Encoding", "gzip, deflate, br"}};
        return http_request(server.port(), c);
    };
    // The caller's Accept-Encoding is replaced: a 1.1 body must be text.
    auto echo = through("GET", "/echo");
    ASSERT_EQ(echo.status, 200u) << echo.error << echo.body;
    EXPECT_EQ(json::parse(echo.body).at("headers").at("accept-encoding").as_string(), "identity");
    auto r = through("GET", "/gzip");
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(r.body, gzip_text());
    EXPECT_EQ(r.header("content-encoding"), "");
    // A target that codes its body anyway: a clear 502, not bytes that cannot travel as text.
    auto coded = through("GET", "/gzip?always=1");
    EXPECT_EQ(coded.status, 502u);
    EXPECT_NE(coded.body.find("content-encoded"), std::string::npos) << coded.body;
    // HEAD: the target's Content-Length reaches the caller (a GET would carry that many bytes).
    auto head = through("HEAD", "/bytes?size=1000");
    EXPECT_EQ(head.status, 200u) << head.error;
    EXPECT_EQ(head.header("content-length"), "1000");
    auto text = through("GET", "/status/200");
    EXPECT_EQ(text.body, "status 200");  // the target connection reused after HEAD is in order
}

// ------------------------------------------------------------------ our client against a hand-made 1.1 server

// A protocol 1.1 server on 127.0.0.1:<ephemeral> for one `tunely connect`: answers its `auth` with the given
// auth_ok text, then the test sends `request` frames and reads the client's `response`.
class fake_v1_server {
public:
    fake_v1_server() : acceptor_(ioc_, {asio::ip::make_address("127.0.0.1"), 0}), ws_(ioc_) {}

    std::string ws_url() const {
        return "ws://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/ws/tunnel";
    }

    // Accepts the client and answers its `auth` with `auth_ok`.
    void accept(const std::string& auth_ok) {
        run([&](auto done) { acceptor_.async_accept(beast::get_lowest_layer(ws_).socket(), done); });
        run([&](auto done) { ws_.async_accept(done); });
        auto auth = json::parse(read_frame()).as_object();
        ASSERT_EQ(auth.at("type").as_string(), "auth");
        ws_.text(true);
        run([&](auto done) { ws_.async_write(asio::buffer(auth_ok), done); });
    }

    // Sends a POST `request` with `body` (a JSON value, as the server writes it) and returns the client's answer.
    json::object post(const json::value& body, const std::string& path = "/echo-body") {
        const std::string id = "req-" + std::to_string(++requests_);
        auto frame = json::serialize(json::object{{"type", "request"}, {"id", id}, {"method", "POST"}, {"path", path},
                                                  {"headers", json::object{{"content-type", "text/plain"}}},
                                                  {"body", body}, {"timeout", 10.0}});
        ws_.text(true);
        run([&](auto done) { ws_.async_write(asio::buffer(frame), done); });
        for (;;) {
            auto m = json::parse(read_frame()).as_object();
            if (m.at("type").as_string() == "response" && m.at("id").as_string() == id) return m;
        }
    }

    // Sends one text frame.
    void send(const json::object& frame) {
        auto text = json::serialize(frame);
        ws_.text(true);
        run([&](auto done) { ws_.async_write(asio::buffer(text), done); });
    }

    // The client's next frame, as JSON.
    json::object next() { return json::parse(read_frame()).as_object(); }

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
        ioc_.run_for(std::chrono::seconds(15));
        if (!finished) {
            beast::get_lowest_layer(ws_).close();
            ioc_.restart();
            ioc_.run_for(std::chrono::seconds(1));
            throw std::runtime_error("fake server: timed out");
        }
        if (result) throw std::runtime_error("fake server: " + result.message());
    }

    std::string read_frame() {
        beast::flat_buffer buffer;
        run([&](auto done) { ws_.async_read(buffer, done); });
        return beast::buffers_to_string(buffer.data());
    }

    asio::io_context ioc_;
    asio::ip::tcp::acceptor acceptor_;
    beast::websocket::stream<beast::tcp_stream> ws_;
    int requests_ = 0;
};

std::unique_ptr<child_process> connect_to(const fake_v1_server& server, const std::string& target_url) {
    return std::make_unique<child_process>(
        tunely_binary(), std::vector<std::string>{"connect", "--server", server.ws_url(), "--token",
                                                  "tun_" + std::string(43, 'A'), "--target", target_url,
                                                  "--reconnect", "0.2", "--log-level", "debug"});
}

std::unique_ptr<child_process> connect_to(const fake_v1_server& server, const test_target& target) {
    return connect_to(server, target.url());
}

// The auth_ok of tunely 0.12 verbatim: `capabilities` always present (here the empty intersection).
constexpr const char* original_auth_ok =
    R"({"type":"auth_ok","domain":"orig","tunnel_id":"7","server_version":"","capabilities":[]})";

// What the target got, through /echo-body (the client's `response.body`).
std::string target_got(const json::object& response) {
    EXPECT_EQ(response.at("status").as_int64(), 200) << json::serialize(response);
    return response.at("body").is_string() ? std::string(response.at("body").as_string()) : std::string();
}

TEST(v1_compat_client, bodies_from_an_original_server_are_json_decoded) {
    test_target target;
    fake_v1_server server;
    auto client = connect_to(server, target);
    ASSERT_NO_THROW(server.accept(original_auth_ok));
    // What the original server writes (json.dumps): a text body as a JSON string literal, non-ASCII as \u escapes.
    EXPECT_EQ(target_got(server.post(json::string(R"("a=1&b=two+words")"))), "a=1&b=two+words");
    EXPECT_EQ(target_got(server.post(json::string(R"("h\u00e9llo \ud83c\udf89\n\"q\"")"))),
              "h\xc3\xa9llo \xf0\x9f\x8e\x89\n\"q\"");
    // A JSON body re-dumped by the server: sent as the JSON text received (numbers too, unlike the Python client).
    EXPECT_EQ(target_got(server.post(json::string(R"({"a": 1, "b": [1, 2]})"))), R"({"a": 1, "b": [1, 2]})");
    EXPECT_EQ(target_got(server.post(json::string("42"))), "42");
    EXPECT_EQ(target_got(server.post(json::string("true"))), "true");
    // Not JSON at all (no original server sends that): as it is.
    EXPECT_EQ(target_got(server.post(json::string("not json"))), "not json");
    EXPECT_TRUE(client->wait_for("JSON-encodes request bodies", std::chrono::seconds(5))) << client->output();
}

TEST(v1_compat_client, bodies_from_a_server_without_capabilities_are_the_exact_text) {
    // Our server in a 1.1 session (and every server that follows spec §1) sends no `capabilities` member and
    // the exact text; so did our earlier versions.
    test_target target;
    fake_v1_server server;
    auto client = connect_to(server, target);
    ASSERT_NO_THROW(server.accept(R"({"type":"auth_ok","domain":"ours","tunnel_id":"7","server_version":"0.2.0"})"));
    EXPECT_EQ(target_got(server.post(json::string(R"("quoted")"))), R"("quoted")");
    EXPECT_EQ(target_got(server.post(json::string("a=1"))), "a=1");
    EXPECT_EQ(target_got(server.post(json::string(R"("a=1")"))), R"("a=1")");
}

// 1.1 is JSON: a server (hostile, or buggy) can put CR, LF or spaces into a request's method, path or fields,
// which would split the client's request to the target in two (request smuggling into the internal network).
// Each such request is refused with 400; the session and the next requests go on.
TEST(v1_compat_client, a_request_that_would_split_the_targets_request_is_refused) {
    test_target target;
    fake_v1_server server;
    auto client = connect_to(server, target);
    ASSERT_NO_THROW(server.accept(original_auth_ok));
    auto send_request = [&](const std::string& id, const std::string& method, const std::string& path,
                            json::object headers) {
        server.send({{"type", "request"}, {"id", id}, {"method", method}, {"path", path}, {"headers", headers},
                     {"body", nullptr}, {"timeout", 10.0}});
        for (;;) {
            auto m = server.next();
            if (m.at("type").as_string() == "response" && m.at("id").as_string() == id) return m;
        }
    };
    const std::string smuggled = "\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
    auto by_field = send_request("f", "GET", "/echo", {{"x-note", "a" + smuggled}});
    auto by_path = send_request("p", "GET", "/echo HTTP/1.1" + smuggled, {});
    auto by_method = send_request("m", "GET /echo HTTP/1.1" + smuggled + "GET", "/echo", {});
    auto by_name = send_request("n", "GET", "/echo", {{"x-a: b\r\nx-c", "d"}});
    for (const auto* r : {&by_field, &by_path, &by_method, &by_name}) {
        EXPECT_EQ(r->at("status").as_int64(), 400) << json::serialize(*r);
        EXPECT_NE(json::serialize(*r).find("not allowed in HTTP"), std::string::npos) << json::serialize(*r);
    }
    auto fine = send_request("ok", "GET", "/echo", {{"x-note", "plain"}});
    EXPECT_EQ(fine.at("status").as_int64(), 200) << json::serialize(fine);
}

// TCP mode of an original 0.12 server (tunely-0.12.md §2.3-2.5): the server relays one external connection as
// tcp_connect / tcp_data (base64) / tcp_close. What the client sends back for `conn_id`, until its tcp_close.
struct tcp_reply {
    std::string bytes;             // the target's bytes, decoded
    std::optional<std::string> error;  // tcp_close's error (nullopt: null)
    bool closed = false;
};

tcp_reply read_tcp(fake_v1_server& server, const std::string& conn_id) {
    tcp_reply r;
    while (!r.closed) {
        auto m = server.next();
        if (m.at("conn_id").is_string() && m.at("conn_id").as_string() != conn_id) continue;
        if (m.at("type").as_string() == "tcp_data") {
            auto bytes = base64_decode(std::string(m.at("data").as_string()));
            EXPECT_TRUE(bytes.has_value());
            r.bytes += bytes.value_or("");
        } else if (m.at("type").as_string() == "tcp_close") {
            r.closed = true;
            if (m.at("error").is_string()) r.error = std::string(m.at("error").as_string());
        }
    }
    return r;
}

json::object tcp_data(const std::string& conn_id, std::string_view bytes, std::int64_t sequence) {
    return {{"type", "tcp_data"}, {"conn_id", conn_id}, {"data", base64_encode(bytes)}, {"sequence", sequence}};
}

TEST(v1_compat_client, tcp_mode_connections_are_relayed_and_a_bad_frame_ends_only_its_connection) {
    test_target target;
    fake_v1_server server;
    auto client = connect_to(server, target);
    ASSERT_NO_THROW(server.accept(original_auth_ok));
    // Data may follow tcp_connect before the target connection is up (§2.3): it waits, in order.
    server.send({{"type", "tcp_connect"}, {"conn_id", "c1"}});
    server.send(tcp_data("c1", "GET /echo HTTP/1.1\r\nHost: x\r\n", 0));
    server.send(tcp_data("c1", "Connection: close\r\n\r\n", 1));
    auto one = read_tcp(server, "c1");
    EXPECT_TRUE(one.bytes.starts_with("HTTP/1.1 200")) << one.bytes;
    EXPECT_NE(one.bytes.find("/echo"), std::string::npos) << one.bytes;
    EXPECT_FALSE(one.error.has_value()) << "the target's EOF closes without an error";

    server.send({{"type", "tcp_connect"}, {"conn_id", "c2"}});
    server.send({{"type", "tcp_data"}, {"conn_id", "c2"}, {"data", "not base64!"}, {"sequence", 0}});
    auto two = read_tcp(server, "c2");
    ASSERT_TRUE(two.error.has_value());
    EXPECT_NE(two.error->find("base64"), std::string::npos) << *two.error;

    server.send(tcp_data("unknown", "dropped", 0));  // unknown ids are dropped (§2.3)
    server.send({{"type", "tcp_connect"}, {"conn_id", "c3"}});
    server.send({{"type", "tcp_close"}, {"conn_id", "c3"}, {"error", nullptr}});
    auto three = read_tcp(server, "c3");
    EXPECT_TRUE(three.closed) << "a tcp_close from the server is echoed";
    EXPECT_EQ(target_got(server.post(json::string("still serving"))), "still serving") << "HTTP beside TCP";
}

TEST(v1_compat_client, tcp_mode_bytes_for_a_target_that_never_reads_are_capped) {
    // The target accepts and never reads: the kernel's buffers fill, then the client's 8 MiB per connection;
    // beyond that the connection ends with an error instead of the client's memory growing.
    asio::io_context target_ioc;
    asio::ip::tcp::acceptor target(target_ioc, {asio::ip::make_address("127.0.0.1"), 0});
    fake_v1_server server;
    auto client = connect_to(server, "http://127.0.0.1:" + std::to_string(target.local_endpoint().port()));
    ASSERT_NO_THROW(server.accept(original_auth_ok));
    server.send({{"type", "tcp_connect"}, {"conn_id", "flood"}});
    asio::ip::tcp::socket held = target.accept();  // connected, never read
    const std::string chunk(64 * 1024, 'x');
    for (int i = 0; i < 32 * 16; ++i) server.send(tcp_data("flood", chunk, i));  // 32 MiB
    auto r = read_tcp(server, "flood");
    ASSERT_TRUE(r.error.has_value());
    EXPECT_NE(r.error->find("slower"), std::string::npos) << *r.error;
}

TEST(v1_compat_client, tcp_mode_connections_per_session_are_capped) {
    test_target target;  // accepts every connection and waits for a request that never comes
    fake_v1_server server;
    auto client = connect_to(server, target);
    ASSERT_NO_THROW(server.accept(original_auth_ok));
    constexpr int cap = static_cast<int>(client::max_tcp_connections), opened = cap + 44;  // shared with protocol 2
    for (int i = 0; i < opened; ++i)
        server.send({{"type", "tcp_connect"}, {"conn_id", std::string("c").append(std::to_string(i))}});
    int refused = 0;
    while (refused < opened - cap) {
        auto m = server.next();
        ASSERT_EQ(m.at("type").as_string(), "tcp_close") << json::serialize(m);
        EXPECT_NE(std::string(m.at("error").as_string()).find("Too many"), std::string::npos);
        ++refused;
    }
    EXPECT_EQ(refused, opened - cap);
    server.send({{"type", "tcp_close"}, {"conn_id", "c0"}, {"error", nullptr}});  // one slot frees
    EXPECT_TRUE(read_tcp(server, "c0").closed);
    server.send({{"type", "tcp_connect"}, {"conn_id", "again"}});
    server.send(tcp_data("again", "GET /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 0));
    auto r = read_tcp(server, "again");
    EXPECT_TRUE(r.bytes.starts_with("HTTP/1.1 200")) << r.bytes;
}

TEST(v1_compat_client, tcp_mode_connect_failure_is_a_tcp_close_with_the_reason) {
    std::uint16_t closed_port;
    {
        asio::io_context ioc;
        asio::ip::tcp::acceptor a(ioc, {asio::ip::make_address("127.0.0.1"), 0});
        closed_port = a.local_endpoint().port();
    }
    fake_v1_server server;
    auto client = connect_to(server, "http://127.0.0.1:" + std::to_string(closed_port));
    ASSERT_NO_THROW(server.accept(original_auth_ok));
    server.send({{"type", "tcp_connect"}, {"conn_id", "refused"}});
    auto r = read_tcp(server, "refused");
    ASSERT_TRUE(r.error.has_value());
    EXPECT_NE(r.error->find("connect"), std::string::npos) << *r.error;
    EXPECT_TRUE(r.bytes.empty());
}

}  // namespace
}  // namespace tunely::test
