// base64 as the original's tcp_data carries it: standard alphabet, padded; invalid text is refused.
#include <gtest/gtest.h>

#include "tunely/core/base64.hpp"

namespace tunely {
namespace {

TEST(base64, round_trips_every_length_and_byte) {
    std::string bytes;
    for (int i = 0; i < 300; ++i) {
        auto text = base64_encode(bytes);
        EXPECT_EQ(text.size() % 4, 0u);
        auto back = base64_decode(text);
        ASSERT_TRUE(back.has_value()) << text;
        EXPECT_EQ(*back, bytes);
        bytes.push_back(static_cast<char>(i * 37));
    }
    EXPECT_EQ(base64_encode("hi"), "aGk=");
    EXPECT_EQ(base64_encode(std::string("\xfb\xff", 2)), "+/8=");  // the standard alphabet, not URL-safe
}

TEST(base64, refuses_what_is_not_padded_base64) {
    EXPECT_FALSE(base64_decode("aGk").has_value()) << "padding missing";
    EXPECT_FALSE(base64_decode("aG!=").has_value());
    EXPECT_FALSE(base64_decode("-_8=").has_value()) << "URL-safe alphabet";
    EXPECT_FALSE(base64_decode("aGk=aGk=x").has_value()) << "trailing garbage";
    EXPECT_EQ(base64_decode("").value(), "");
}

}  // namespace
}  // namespace tunely
