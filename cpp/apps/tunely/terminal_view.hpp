#pragma once
// What `tunely connect` shows: on a terminal, a status block and one line per
// request (method, path, status, duration), as ngrok does; otherwise plain logs.
#include <chrono>
#include <string>

#include "tunely/client/tunnel_client.hpp"

namespace tunely::app {

class terminal_view {
public:
    terminal_view(std::string server_url, std::string target_url, bool interactive);

    void connected(const std::string& domain, int protocol);
    void disconnected(const std::string& reason);
    void reconnecting(std::chrono::milliseconds delay, int attempt);
    void request(const client::request_summary& s);
    void error(const std::string& message);

private:
    std::string server_url_;
    std::string target_url_;
    bool interactive_;
};

}  // namespace tunely::app
