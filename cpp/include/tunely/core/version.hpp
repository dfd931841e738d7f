#pragma once
namespace tunely {
inline constexpr const char* version = "0.2.0";
}  // namespace tunely
