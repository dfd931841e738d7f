// BATCH (spec/PROTOCOL.md §2.4.8): a received binary message is split with
// for_each_frame() exactly as both sessions do, and every inner frame is decoded.
// Properties: split_batch() agrees with for_each_frame(); inner frames lie inside
// the message, in order, are never batches themselves; re-batching the frames
// with append_to_batch() gives back the message byte for byte.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "tunely/protocol/v2_batch.hpp"
#include "tunely/protocol/v2_codec.hpp"

namespace v2 = tunely::protocol::v2;
using tunely::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view message(reinterpret_cast<const char*>(data), size);
    std::vector<std::string_view> seen;
    const bool ok = v2::for_each_frame(message, [&](std::string_view frame) {
        seen.push_back(frame);
        (void)v2::decode(frame);  // must be total on whatever the split hands over
    });
    if (!v2::is_batch(message)) {
        check(ok && seen.size() == 1 && seen[0].data() == message.data() && seen[0].size() == message.size(),
              "batch: a plain message is not passed through unchanged");
        check(!v2::split_batch(message), "batch: split_batch accepted a message that is no batch");
        return 0;
    }
    auto split = v2::split_batch(message);
    check(ok == split.has_value(), "batch: for_each_frame and split_batch disagree");
    if (!ok) {
        check(seen.empty(), "batch: for_each_frame called back for a malformed batch");
        return 0;
    }
    check(!seen.empty() && *split == seen, "batch: frames differ between for_each_frame and split_batch");
    const char* cursor = message.data() + 6;
    std::string rebuilt;
    for (auto frame : seen) {
        check(frame.data() == cursor + 4 && frame.data() + frame.size() <= message.data() + message.size(),
              "batch: an inner frame is not where its length prefix says");
        check(!v2::is_batch(frame), "batch: a batch inside a batch");
        cursor = frame.data() + frame.size();
        v2::append_to_batch(rebuilt, frame);
    }
    if (rebuilt != message) {
        tunely::fuzz::print_hex("rebuilt", rebuilt);
        tunely::fuzz::fail("batch: append_to_batch does not rebuild the message");
    }
    return 0;
}
