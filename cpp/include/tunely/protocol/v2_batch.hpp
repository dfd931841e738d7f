#pragma once
// BATCH (spec/PROTOCOL.md §2.4.8, capability tunely/2+batch): several protocol-2
// frames in one WebSocket message, so a busy session writes (and its peer
// wakes) once for many frames.
//   u8 type 0x09 | u8 flags 0 | u32 stream 0 | { u32 length | frame } × n, n ≥ 1
// A batch never contains a batch. Each inner frame decodes as if it had come
// in a message of its own.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tunely::protocol::v2 {

inline constexpr std::uint8_t batch_type = 0x09;

bool is_batch(std::string_view message) noexcept;
// The inner frames, in order; nullopt when the batch is malformed (then the whole
// message is dropped, like any malformed frame).
std::optional<std::vector<std::string_view>> split_batch(std::string_view message);
// Appends `frame` to `batch`, starting the batch header when `batch` is empty.
void append_to_batch(std::string& batch, std::string_view frame);
// Calls `each(frame)` for every frame a received binary message carries: the
// frames of a BATCH in order, or the message itself. Returns false (calling
// nothing) for a malformed BATCH.
template <class F>
bool for_each_frame(std::string_view message, F&& each) {
    if (!is_batch(message)) {
        each(message);
        return true;
    }
    auto frames = split_batch(message);
    if (!frames) return false;
    for (auto frame : *frames) each(frame);
    return true;
}

// Bytes append_to_batch() adds for a frame of `frame_size` bytes.
constexpr std::size_t batch_cost(std::size_t frame_size) noexcept { return 4 + frame_size; }

}  // namespace tunely::protocol::v2
