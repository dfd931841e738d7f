// HTTP field and path rules (core/http_field.hpp): what may reach a caller or a
// target, and dot-segment removal that never climbs above the root.
#include <gtest/gtest.h>

#include "tunely/core/error.hpp"
#include "tunely/core/http_field.hpp"
#include "tunely/core/utf8.hpp"

namespace tunely {
namespace {

TEST(http_field, values_with_cr_lf_or_nul_are_rejected) {
    EXPECT_TRUE(is_field_value("text/html; charset=utf-8"));
    EXPECT_TRUE(is_field_value("caf\xc3\xa9\t x"));  // obs-text and HTAB are allowed
    EXPECT_FALSE(is_field_value("a\r\nSet-Cookie: x=1"));
    EXPECT_FALSE(is_field_value("a\nb"));
    EXPECT_FALSE(is_field_value(std::string("a\0b", 3)));
    EXPECT_FALSE(is_field_value("a\x03" "a"));  // other controls too (found by fuzz_v2_codec)
    EXPECT_FALSE(is_field_value("a\x7f"));
    EXPECT_TRUE(has_no_cr_lf_nul("a\x03" "a"));  // the protocol-2 wire rule is weaker
    EXPECT_FALSE(has_no_cr_lf_nul("a\rb"));
    EXPECT_TRUE(is_token("X-Custom_1"));
    EXPECT_FALSE(is_token("Bad Name"));
    EXPECT_FALSE(is_token("X:y"));
    EXPECT_FALSE(is_token(""));
}

TEST(utf8, latin1_header_bytes_become_utf8) {
    EXPECT_EQ(latin1_to_utf8("caf\xe9"), "caf\xc3\xa9");
    EXPECT_EQ(latin1_to_utf8("plain"), "plain");
    EXPECT_TRUE(is_valid_utf8(latin1_to_utf8(std::string("\x80\xff\x00", 3))));
}

TEST(http_field, check_fields_rejects_what_beast_cannot_hold) {
    EXPECT_FALSE(check_fields({{"Content-Type", "text/plain"}, {"Set-Cookie", "a=1"}}));
    EXPECT_EQ(check_fields({{"X-Evil", "1\r\nSet-Cookie: pwned=1"}}), make_error_code(error::invalid_field));
    EXPECT_EQ(check_fields({{"X Evil", "1"}}), make_error_code(error::invalid_field));
    EXPECT_FALSE(check_fields({{"X-Big", std::string(max_field_bytes, 'a')}}));
    EXPECT_EQ(check_fields({{"X-Big", std::string(max_field_bytes + 1, 'a')}}), make_error_code(error::invalid_field));
}

TEST(http_field, content_length_values_must_agree) {
    content_length_result cl;
    EXPECT_FALSE(parse_content_length({{"Content-Type", "x"}}, cl));
    EXPECT_FALSE(cl.present);
    EXPECT_FALSE(parse_content_length({{"Content-Length", "42"}}, cl));
    EXPECT_TRUE(cl.present);
    EXPECT_EQ(cl.value, 42u);
    EXPECT_FALSE(parse_content_length({{"content-length", "7, 7"}, {"Content-Length", "7"}}, cl));
    EXPECT_EQ(cl.value, 7u);
    EXPECT_TRUE(parse_content_length({{"Content-Length", "5"}, {"Content-Length", "6"}}, cl));
    EXPECT_TRUE(parse_content_length({{"Content-Length", "5, 6"}}, cl));
    EXPECT_TRUE(parse_content_length({{"Content-Length", "-1"}}, cl));
    EXPECT_TRUE(parse_content_length({{"Content-Length", "1e3"}}, cl));
    EXPECT_TRUE(parse_content_length({{"Content-Length", ""}}, cl));
    EXPECT_TRUE(parse_content_length({{"Content-Length", "99999999999999999999999"}}, cl));
}

TEST(http_field, dot_segments_are_removed_and_never_climb_above_the_root) {
    EXPECT_EQ(normalize_target("/a/b/c"), "/a/b/c");
    EXPECT_EQ(normalize_target("/"), "/");
    EXPECT_EQ(normalize_target("/../secret"), "/secret");
    EXPECT_EQ(normalize_target("/../../../etc/passwd"), "/etc/passwd");
    EXPECT_EQ(normalize_target("/a/../../b"), "/b");
    EXPECT_EQ(normalize_target("/a/./b/../c"), "/a/c");
    EXPECT_EQ(normalize_target("/a/b/.."), "/a/");
    EXPECT_EQ(normalize_target("/a/b/."), "/a/b/");
    EXPECT_EQ(normalize_target("/.."), "/");
    EXPECT_EQ(normalize_target("/%2e%2e/secret"), "/secret");
    EXPECT_EQ(normalize_target("/a/%2E./%2e/b"), "/b");
    EXPECT_EQ(normalize_target("/a/..%2fb"), "/a/..%2fb");  // an encoded slash is no separator
    EXPECT_EQ(normalize_target("/.well-known/x"), "/.well-known/x");
    EXPECT_EQ(normalize_target("/a/.../b"), "/a/.../b");
    EXPECT_EQ(normalize_target("/a//b/"), "/a//b/");
    EXPECT_EQ(normalize_target("/a/../b?x=/../y"), "/b?x=/../y");  // the query is not a path
    EXPECT_EQ(normalize_target("/?q=1"), "/?q=1");
    EXPECT_EQ(normalize_target("*"), "*");  // not origin-form: left alone
}

}  // namespace
}  // namespace tunely
