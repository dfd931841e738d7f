// How /forward on a tunnel in mode tcp reads the bytes its target sent (admin/tcp_forward_reply.hpp).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "../../src/admin/tcp_forward_reply.hpp"

namespace tunely::admin {
namespace {
namespace json = boost::json;

const std::string* field(const forward_outcome& o, std::string_view name) { return o.headers.find(name); }

TEST(tcp_forward_reply, json_text_is_parsed) {
    auto o = tcp_reply_outcome(R"( {"ok":true,"n":[1,2]} )");
    EXPECT_EQ(o.status, 200u);
    EXPECT_EQ(o.body, json::parse(R"({"ok":true,"n":[1,2]})"));
    EXPECT_TRUE(o.error.is_null());
    EXPECT_EQ(tcp_reply_outcome("42").body, json::value(42));
}

TEST(tcp_forward_reply, other_bytes_are_text) {
    auto o = tcp_reply_outcome("+PONG\r\n");
    EXPECT_EQ(o.status, 200u);
    EXPECT_EQ(o.body, json::value("+PONG\r\n"));
    EXPECT_TRUE(o.headers.empty());
    EXPECT_EQ(tcp_reply_outcome("").body, json::value(""));
    EXPECT_EQ(tcp_reply_outcome("{\"half\":").body, json::value("{\"half\":"));  // not JSON: text
}

TEST(tcp_forward_reply, text_that_is_not_utf8_is_an_error) {
    auto o = tcp_reply_outcome(std::string("\xff\xfe\x00", 3));
    EXPECT_EQ(o.status, 200u);
    EXPECT_TRUE(o.body.is_null());
    EXPECT_EQ(o.error, json::value("Response body is not UTF-8 text"));
}

TEST(tcp_forward_reply, http_response_with_content_length) {
    auto o = tcp_reply_outcome("HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\nX-A: b\r\n\r\nnopeEXTRA");
    EXPECT_EQ(o.status, 404u);
    EXPECT_EQ(o.body, json::value("nope"));  // what follows the message is not its body
    ASSERT_TRUE(field(o, "x-a"));
    EXPECT_EQ(*field(o, "x-a"), "b");
    EXPECT_TRUE(o.error.is_null());
}

TEST(tcp_forward_reply, http_body_without_length_ends_with_the_bytes) {
    auto o = tcp_reply_outcome("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the close\r\n");
    EXPECT_EQ(o.status, 200u);
    EXPECT_EQ(o.body, json::value("until the close\r\n"));
    ASSERT_TRUE(field(o, "content-type"));
}

TEST(tcp_forward_reply, http_chunked_body_is_decoded) {
    auto o = tcp_reply_outcome("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
    EXPECT_EQ(o.status, 200u);
    EXPECT_EQ(o.body, json::value("abcde"));
}

TEST(tcp_forward_reply, interim_heads_are_skipped) {
    auto o = tcp_reply_outcome("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok");
    EXPECT_EQ(o.status, 201u);
    EXPECT_EQ(o.body, json::value("ok"));
    auto only = tcp_reply_outcome("HTTP/1.1 100 Continue\r\n\r\n");
    EXPECT_EQ(only.status, 502u);
    EXPECT_FALSE(only.error.is_null());
}

TEST(tcp_forward_reply, no_body_statuses) {
    auto o = tcp_reply_outcome("HTTP/1.1 204 No Content\r\nX-A: b\r\n\r\n");
    EXPECT_EQ(o.status, 204u);
    EXPECT_EQ(o.body, json::value(""));
}

TEST(tcp_forward_reply, incomplete_or_malformed_http_is_502) {
    for (std::string bytes : {"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", "HTTP/1.1 200 OK\r\nX-A: b\r\n",
                              "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nab", "HTTP/1.1 2000 Huge\r\n\r\n",
                              "HTTP/"}) {
        auto o = tcp_reply_outcome(bytes);
        EXPECT_EQ(o.status, 502u) << bytes;
        EXPECT_TRUE(o.body.is_null()) << bytes;
        ASSERT_TRUE(o.error.is_string()) << bytes;
        EXPECT_TRUE(o.error.get_string().starts_with("Invalid HTTP response from the TCP target: ")) << o.error;
    }
}

TEST(tcp_forward_reply, http_body_or_fields_not_utf8) {
    auto body = tcp_reply_outcome("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n\xff\xfe");
    EXPECT_EQ(body.status, 200u);
    EXPECT_TRUE(body.body.is_null());
    EXPECT_EQ(body.error, json::value("Response body is not UTF-8 text"));
    auto fields = tcp_reply_outcome("HTTP/1.1 200 OK\r\nX-A: \xff\r\nContent-Length: 0\r\n\r\n");
    EXPECT_EQ(fields.status, 200u);
    EXPECT_TRUE(fields.body.is_null());
    EXPECT_EQ(fields.error, json::value("Response header fields are not UTF-8 text"));
}

}  // namespace
}  // namespace tunely::admin
