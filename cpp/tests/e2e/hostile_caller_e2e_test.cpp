// Callers on the internet try request smuggling and routing tricks: a
// Transfer-Encoding that does not end in chunked, several Host fields, no Host
// on HTTP/1.1. Each gets 400 and its connection closed; nothing reaches a tunnel.
#include <gtest/gtest.h>

#include "hostile_peers.hpp"

namespace tunely::test {
namespace {
using namespace hostile;

void expect_400_and_close(std::uint16_t port, const std::string& request) {
    auto reply = raw_call(port, request, std::chrono::seconds(5));
    EXPECT_EQ(reply.bytes.rfind("HTTP/1.1 400", 0), 0u) << request << "\n---\n" << reply.bytes;
    EXPECT_TRUE(reply.closed_by_server) << request;
    EXPECT_EQ(reply.bytes.find("Server: tunely", reply.bytes.find("Server: tunely") + 1), std::string::npos)
        << "one answer only:\n" << reply.bytes;
}

TEST(hostile_caller, smuggling_and_host_tricks_get_400_and_close) {
    tunely_server_process server;
    auto ws = raw_client(server, server.create_tunnel("smug"), true);
    const std::string second = "GET /t/smug/smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
    expect_400_and_close(server.port(), "POST /t/smug/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n"
                                        "\r\n" + second);
    expect_400_and_close(server.port(), "POST /t/smug/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n" + second);
    expect_400_and_close(server.port(), "POST /t/smug/a HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    expect_400_and_close(server.port(), "POST /t/smug/a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                                        "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + second);
    expect_400_and_close(server.port(), "POST /t/smug/a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                                        "Content-Length: 6\r\n\r\nhello!");
    expect_400_and_close(server.port(), "GET /x HTTP/1.1\r\nHost: smug.localhost\r\nHost: other.localhost\r\n\r\n");
    expect_400_and_close(server.port(), "GET /t/smug/a HTTP/1.1\r\n\r\n");
    // None of it opened a stream: the next frame the client sees is the OPEN of a clean request.
    auto pending = call(server, "/t/smug/clean");
    auto open = next_v2<v2::open>(*ws);
    ASSERT_TRUE(open);
    EXPECT_EQ(open->target, "/clean");
    ws->send_binary(v2::encode(v2::response{open->id, true, 204, {}}));
    EXPECT_EQ(pending.get().status, 204u);
}

TEST(hostile_caller, http_1_0_without_host_is_served) {
    tunely_server_process server;
    auto reply = raw_call(server.port(), "GET /t/nobody/x HTTP/1.0\r\n\r\n", std::chrono::seconds(5));
    EXPECT_EQ(reply.bytes.rfind("HTTP/1.0 404", 0), 0u) << reply.bytes;  // routed: there is no such tunnel
}

}  // namespace
}  // namespace tunely::test
