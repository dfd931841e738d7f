#include <gtest/gtest.h>

#include "tunely/protocol/v1_headers.hpp"

namespace tunely::protocol::v1 {
namespace {

TEST(v1_headers, repeated_fields_are_joined_as_the_compat_rules_say) {
    header_list in{{"Accept", "a/b"}, {"Cookie", "x=1"}, {"accept", "c/d"}, {"cookie", "y=2"},
                   {"Set-Cookie", "s=1"}, {"set-cookie", "s=2"}};
    auto out = fold_for_v1(in);
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(*out.find("accept"), "a/b, c/d");
    EXPECT_EQ(*out.find("cookie"), "x=1; y=2");
    EXPECT_EQ(*out.find("set-cookie"), "s=1");
}

}  // namespace
}  // namespace tunely::protocol::v1
