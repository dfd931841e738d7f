#pragma once
// Prometheus metrics (prometheus-cpp's core, served as text at GET /metrics).
//
// Thread-safety: observe() and render() on the tunnel server's executor.
#include <memory>
#include <string>

#include "tunely/server/request_log_writer.hpp"
#include "tunely/server/tunnel_server.hpp"

namespace tunely::admin {

class metrics {
public:
    metrics(server::tunnel_server& server, std::shared_ptr<server::request_log_writer> log_writer);
    ~metrics();

    // One finished ingress exchange.
    void observe(const server::exchange_record& r);
    // The Prometheus text exposition of every metric, with the gauges read now.
    std::string render();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace tunely::admin
