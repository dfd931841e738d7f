#pragma once
#include "dialect.hpp"

namespace tunely::store {
dialect sqlite_dialect();
}  // namespace tunely::store
