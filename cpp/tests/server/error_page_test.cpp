// Error answers: HTML for callers that prefer it, JSON otherwise, nothing from the text taken as markup.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "../../src/server/error_page.hpp"

namespace tunely::server {
namespace {

TEST(error_page, html_only_when_the_accept_field_prefers_it) {
    EXPECT_TRUE(wants_html("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"));  // browsers
    EXPECT_TRUE(wants_html("TEXT/HTML"));
    EXPECT_TRUE(wants_html("application/json;q=0.5, text/html"));
    EXPECT_TRUE(wants_html("text/html;q=0.7, application/json;q=0.7"));
    EXPECT_FALSE(wants_html(""));
    EXPECT_FALSE(wants_html("*/*"));  // curl
    EXPECT_FALSE(wants_html("application/json"));
    EXPECT_FALSE(wants_html("application/json, text/html;q=0.5"));
    EXPECT_FALSE(wants_html("text/html;q=0"));
    EXPECT_FALSE(wants_html("text/html;q=2"));
    EXPECT_FALSE(wants_html("text/html;q=abc"));
    EXPECT_FALSE(wants_html("text/htmlx"));
    EXPECT_FALSE(wants_html(",,;;q=,text/plain"));
}

TEST(error_page, the_json_answer_is_the_error_object) {
    auto b = make_error_body(503, "Tunnel not connected: x", false);
    EXPECT_EQ(b.content_type, "application/json");
    EXPECT_EQ(boost::json::parse(b.body).at("error").as_string(), "Tunnel not connected: x");
}

TEST(error_page, the_page_names_the_status_and_escapes_the_text) {
    auto b = make_error_body(502, "<script>alert('x')</script> & \"more\"", true);
    EXPECT_EQ(b.content_type, "text/html; charset=utf-8");
    EXPECT_NE(b.body.find("<title>502 Bad Gateway</title>"), std::string::npos) << b.body;
    EXPECT_NE(b.body.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;more&quot;"), std::string::npos)
        << b.body;
    EXPECT_EQ(b.body.find("<script>"), std::string::npos);
}

}  // namespace
}  // namespace tunely::server
