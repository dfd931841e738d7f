#pragma once
#include <string>

namespace tunely {
// Random (version 4) UUID in canonical lower-case text form, from a CSPRNG.
std::string generate_uuid();
}  // namespace tunely
