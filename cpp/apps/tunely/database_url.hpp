#pragma once
// The one place that chooses a store backend from a database URL.
#include <memory>
#include <string>

#include "tunely/store/database_url.hpp"
#include "tunely/store/store.hpp"

namespace tunely::app {

std::unique_ptr<store::store> open_store(const store::database_url& url);
// Directory for server-owned files (the generated admin key): next to the
// SQLite file, ./data otherwise.
std::string data_directory(const store::database_url& url);

}  // namespace tunely::app
