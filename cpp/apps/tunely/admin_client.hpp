#pragma once
// A small synchronous client for the admin API (the CLI runs one request at a time).
#include <string>

namespace tunely::app {

struct admin_reply {
    unsigned status = 0;
    std::string body;
};

// Throws std::runtime_error when the server cannot be reached.
admin_reply admin_request(const std::string& server_url, const std::string& admin_key, const std::string& method,
                          const std::string& path, const std::string& body = {});

}  // namespace tunely::app
