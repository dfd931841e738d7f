#pragma once
// A small synchronous client for the admin API (the CLI runs one request at a time), over http:// or https://.
#include <string>

namespace tunely::app {

struct admin_target {
    std::string server_url;  // http://host[:port] or https://host[:port] (ws:// and wss:// as their http forms)
    std::string admin_key;   // sent as x-api-key when set
    std::string ca_file;     // https: PEM CAs trusted besides the system's
    bool insecure = false;   // https: no certificate or host name check (testing only)
};

struct admin_reply {
    unsigned status = 0;
    std::string body;
};

// Throws std::runtime_error when the server cannot be reached, or its TLS handshake fails (saying so, with the
// --ca-file / --insecure hint). Messages never contain the admin key.
admin_reply admin_request(const admin_target& target, const std::string& method, const std::string& path,
                          const std::string& body = {});

}  // namespace tunely::app
