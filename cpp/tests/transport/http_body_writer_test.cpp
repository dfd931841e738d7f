// The flat HTTP/1.x head (http_head.hpp) and http_body_writer's framing, byte for byte on an in-memory
// stream, and read back by Beast's parser: what the server writes to callers and the client to its target.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "tunely/transport/http_body_writer.hpp"

namespace tunely::transport {
namespace {
namespace beast = boost::beast;
namespace http = beast::http;

struct written {
    std::string bytes;
    bool failed = false;
};

// Writes the pieces ({bytes, last}) through a writer and returns what reached the peer.
written write_message(std::string head, body_framing framing,
                      std::vector<std::pair<std::string, bool>> pieces, bool head_first = false) {
    asio::io_context ioc;
    beast::test::stream ours(ioc), peer(ioc);
    ours.connect(peer);
    written out;
    asio::co_spawn(ioc, [&]() -> awaitable<void> {
        http_body_writer<beast::test::stream> w(ours, std::move(head), framing);
        EXPECT_FALSE(w.head_started());
        if (head_first && co_await w.write_head()) out.failed = true;
        for (auto& [bytes, last] : pieces)
            if (co_await w.write(bytes, last)) out.failed = true;
        EXPECT_TRUE(w.head_started());
    }, asio::detached);
    ioc.run();
    out.bytes = std::string(peer.str());
    return out;
}

TEST(http_head, status_line_fields_and_chunked_framing) {
    std::string head;
    append_status_line(head, 11, 404);
    append_field(head, "Content-Type", "text/plain");
    end_head(head, body_framing::chunked);
    EXPECT_EQ(head, "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n");
    std::string old;
    append_status_line(old, 10, 599);  // a status without a reason phrase keeps its code
    EXPECT_EQ(old.substr(0, 13), "HTTP/1.0 599 ");
    std::string req;
    append_request_line(req, "PATCH", "/a?b=c");
    end_head(req, body_framing::length);
    EXPECT_EQ(req, "PATCH /a?b=c HTTP/1.1\r\n\r\n");
}

TEST(http_head, chunk_size_lines_are_hex) {
    char room[20];
    EXPECT_EQ(chunk_size_line(room, 1), "1\r\n");
    EXPECT_EQ(chunk_size_line(room, 65536), "10000\r\n");
    EXPECT_EQ(chunk_size_line(room, 0xabcdef), "abcdef\r\n");
}

TEST(http_body_writer, chunked_body_in_pieces_parses_back_whole) {
    std::string head;
    append_status_line(head, 11, 200);
    end_head(head, body_framing::chunked);
    auto out = write_message(head, body_framing::chunked, {{"hello ", false}, {"", false}, {"world", true}});
    ASSERT_FALSE(out.failed);
    EXPECT_EQ(out.bytes, head + "6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n");
    http::response_parser<http::string_body> p;
    p.eager(true);
    boost::system::error_code ec;
    p.put(asio::buffer(out.bytes), ec);
    ASSERT_FALSE(ec) << ec.message();
    ASSERT_TRUE(p.is_done());
    EXPECT_EQ(p.get().body(), "hello world");
}

TEST(http_body_writer, chunked_end_without_bytes_is_the_last_chunk_alone) {
    std::string head = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
    auto out = write_message(head, body_framing::chunked, {{"abc", false}, {"", true}}, true);
    EXPECT_EQ(out.bytes, head + "3\r\nabc\r\n0\r\n\r\n");
}

TEST(http_body_writer, length_framing_writes_the_bytes_as_they_are) {
    std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
    auto out = write_message(head, body_framing::length, {{"ab", false}, {"cde", true}});
    EXPECT_EQ(out.bytes, head + "abcde");
}

TEST(http_body_writer, bodyless_framing_writes_the_head_only) {
    std::string head = "HTTP/1.1 204 No Content\r\n\r\n";
    auto out = write_message(head, body_framing::none, {{"ignored", true}}, true);
    EXPECT_EQ(out.bytes, head);
}

TEST(http_body_writer, a_broken_peer_is_an_error) {
    asio::io_context ioc;
    beast::test::fail_count fails(1);  // the first operation fails, as a reset connection does
    beast::test::stream ours(ioc, fails), peer(ioc);
    ours.connect(peer);
    boost::system::error_code got;
    asio::co_spawn(ioc, [&]() -> awaitable<void> {
        http_body_writer<beast::test::stream> w(ours, "HTTP/1.1 200 OK\r\n\r\n", body_framing::close);
        got = co_await w.write("x", true);
    }, asio::detached);
    ioc.run();
    EXPECT_TRUE(got);
}

}  // namespace
}  // namespace tunely::transport
