// body_queue: chunks come out in order whatever the interleaving (its FIFO drops the consumed prefix while
// it never runs empty), then the end or the error; buffered_bytes() follows.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "tunely/core/error.hpp"
#include "tunely/transport/body_queue.hpp"

namespace tunely::transport {
namespace {

std::string take(body_queue& q) {
    auto got = q.try_next();
    EXPECT_TRUE(got.has_value());
    EXPECT_TRUE(got && *got && **got);
    return got && *got && **got ? ***got : std::string("<none>");
}

TEST(body_queue, keeps_order_when_it_never_runs_empty) {
    asio::io_context ioc;
    body_queue q(ioc.get_executor());
    int pushed = 0, taken = 0;
    for (int i = 0; i < 3; ++i) q.push(std::to_string(pushed++), false);
    // Two in, one out, many times: the queue grows slowly and is never empty.
    for (int round = 0; round < 500; ++round) {
        q.push(std::to_string(pushed++), false);
        q.push(std::to_string(pushed++), false);
        ASSERT_EQ(take(q), std::to_string(taken++));
    }
    std::size_t bytes = 0;
    for (int i = taken; i < pushed; ++i) bytes += std::to_string(i).size();
    EXPECT_EQ(q.buffered_bytes(), bytes);
    while (taken < pushed) ASSERT_EQ(take(q), std::to_string(taken++));
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.buffered_bytes(), 0u);
    EXPECT_FALSE(q.try_next().has_value()) << "nothing queued, not ended: wait";
}

TEST(body_queue, end_and_error_come_after_the_chunks) {
    asio::io_context ioc;
    body_queue ended(ioc.get_executor());
    ended.push("a", false);
    ended.push("b", true);
    ended.push("ignored", false);
    EXPECT_EQ(take(ended), "a");
    EXPECT_EQ(take(ended), "b");
    auto end = ended.try_next();
    ASSERT_TRUE(end && *end);
    EXPECT_FALSE(**end) << "the end of the body";

    body_queue failed(ioc.get_executor());
    failed.push("x", false);
    failed.fail(make_error_code(error::stream_cancelled));
    EXPECT_EQ(take(failed), "x");
    auto err = failed.try_next();
    ASSERT_TRUE(err);
    EXPECT_FALSE(*err);
    EXPECT_EQ(err->error(), make_error_code(error::stream_cancelled));
}

}  // namespace
}  // namespace tunely::transport
