#include "tunely/admin/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace tunely::admin {

struct metrics::impl {
    server::tunnel_server& server;
    std::shared_ptr<server::request_log_writer> log_writer;
    std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();

    prometheus::Family<prometheus::Counter>& requests = prometheus::BuildCounter()
                                                            .Name("tunely_ingress_requests_total")
                                                            .Help("Exchanges served through ingress, by status class")
                                                            .Register(*registry);
    std::array<prometheus::Counter*, 6> by_class{};  // 0 = failed before a status, 1xx … 5xx
    prometheus::Counter& bytes_in = prometheus::BuildCounter()
                                        .Name("tunely_ingress_request_bytes_total")
                                        .Help("Request body bytes sent into tunnels")
                                        .Register(*registry)
                                        .Add({});
    prometheus::Counter& bytes_out = prometheus::BuildCounter()
                                         .Name("tunely_ingress_response_bytes_total")
                                         .Help("Response body bytes received from tunnels")
                                         .Register(*registry)
                                         .Add({});
    prometheus::Histogram& duration =
        prometheus::BuildHistogram()
            .Name("tunely_ingress_request_duration_seconds")
            .Help("Time from the request head to the end of the response")
            .Register(*registry)
            .Add({}, prometheus::Histogram::BucketBoundaries{0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30});
    prometheus::Gauge& connected = prometheus::BuildGauge()
                                       .Name("tunely_connected_tunnels")
                                       .Help("Tunnel sessions connected now")
                                       .Register(*registry)
                                       .Add({});
    prometheus::Family<prometheus::Gauge>& tcp_active = prometheus::BuildGauge()
                                                            .Name("tunely_tcp_connections_active")
                                                            .Help("TCP listener connections through the tunnel now")
                                                            .Register(*registry);
    prometheus::Family<prometheus::Gauge>& udp_active = prometheus::BuildGauge()
                                                            .Name("tunely_udp_sessions_active")
                                                            .Help("UDP listener sessions (external peers) through the tunnel now")
                                                            .Register(*registry);
    std::set<std::string> tcp_domains;  // series set once: a tunnel gone offline reads 0
    // The listeners' traffic (server::raw_traffic): counters advanced at each render by what moved since.
    prometheus::Family<prometheus::Counter>& tcp_bytes = prometheus::BuildCounter()
                                                             .Name("tunely_tcp_bytes_total")
                                                             .Help("TCP listener bytes: in = from callers into tunnels, out = back to callers")
                                                             .Register(*registry);
    prometheus::Counter& tcp_connections = prometheus::BuildCounter()
                                               .Name("tunely_tcp_connections_total")
                                               .Help("TCP listener connections accepted into a tunnel")
                                               .Register(*registry)
                                               .Add({});
    prometheus::Family<prometheus::Counter>& udp_bytes = prometheus::BuildCounter()
                                                             .Name("tunely_udp_bytes_total")
                                                             .Help("UDP listener bytes: in = from external peers into tunnels, out = back to them")
                                                             .Register(*registry);
    prometheus::Family<prometheus::Counter>& udp_datagrams = prometheus::BuildCounter()
                                                                 .Name("tunely_udp_datagrams_total")
                                                                 .Help("UDP listener datagrams carried: in = into tunnels, out = back to peers")
                                                                 .Register(*registry);
    prometheus::Counter& udp_dropped = prometheus::BuildCounter()
                                           .Name("tunely_udp_datagrams_dropped_total")
                                           .Help("UDP datagrams for a tunnel not carried (tunnel offline, session limit, no credit or room)")
                                           .Register(*registry)
                                           .Add({});
    // Each counter with the raw_traffic field it follows and the value it showed at the last render.
    struct follower {
        prometheus::Counter* counter;
        std::atomic<std::uint64_t> server::raw_traffic::*source;
        std::uint64_t shown = 0;
    };
    std::vector<follower> followers{
        {&tcp_connections, &server::raw_traffic::tcp_connections},
        {&tcp_bytes.Add({{"direction", "in"}}), &server::raw_traffic::tcp_bytes_in},
        {&tcp_bytes.Add({{"direction", "out"}}), &server::raw_traffic::tcp_bytes_out},
        {&udp_bytes.Add({{"direction", "in"}}), &server::raw_traffic::udp_bytes_in},
        {&udp_bytes.Add({{"direction", "out"}}), &server::raw_traffic::udp_bytes_out},
        {&udp_datagrams.Add({{"direction", "in"}}), &server::raw_traffic::udp_datagrams_in},
        {&udp_datagrams.Add({{"direction", "out"}}), &server::raw_traffic::udp_datagrams_out},
        {&udp_dropped, &server::raw_traffic::udp_datagrams_dropped},
    };
    prometheus::Gauge& log_dropped = prometheus::BuildGauge()
                                         .Name("tunely_request_log_dropped_total")
                                         .Help("Request-log records dropped because the queue was full or the database failed")
                                         .Register(*registry)
                                         .Add({});
    prometheus::Gauge& log_written = prometheus::BuildGauge()
                                         .Name("tunely_request_log_written_total")
                                         .Help("Request-log records written to the database")
                                         .Register(*registry)
                                         .Add({});

    impl(server::tunnel_server& s, std::shared_ptr<server::request_log_writer> w) : server(s), log_writer(std::move(w)) {
        static constexpr const char* classes[] = {"failed", "1xx", "2xx", "3xx", "4xx", "5xx"};
        for (std::size_t i = 0; i < by_class.size(); ++i) by_class[i] = &requests.Add({{"class", classes[i]}});
    }
};

metrics::metrics(server::tunnel_server& server, std::shared_ptr<server::request_log_writer> log_writer)
    : impl_(std::make_unique<impl>(server, std::move(log_writer))) {}

metrics::~metrics() = default;

void metrics::observe(const server::exchange_record& r) {
    auto cls = r.status >= 100 && r.status < 600 ? r.status / 100 : 0;
    impl_->by_class[cls]->Increment();
    impl_->bytes_in.Increment(static_cast<double>(r.bytes_in));
    impl_->bytes_out.Increment(static_cast<double>(r.bytes_out));
    impl_->duration.Observe(static_cast<double>(r.duration.count()) / 1000.0);
}

std::string metrics::render() {
    impl_->connected.Set(static_cast<double>(impl_->server.connected_count()));
    std::set<std::string> live_tcp;
    for (const auto& s : impl_->server.live_sessions()) {
        if (s.tcp_connections == 0 && s.udp_sessions == 0 && !impl_->tcp_domains.count(s.domain)) continue;
        impl_->tcp_active.Add({{"domain", s.domain}}).Set(static_cast<double>(s.tcp_connections));
        impl_->udp_active.Add({{"domain", s.domain}}).Set(static_cast<double>(s.udp_sessions));
        impl_->tcp_domains.insert(s.domain);
        live_tcp.insert(s.domain);
    }
    for (const auto& d : impl_->tcp_domains) {
        if (live_tcp.count(d)) continue;
        impl_->tcp_active.Add({{"domain", d}}).Set(0);
        impl_->udp_active.Add({{"domain", d}}).Set(0);
    }
    const auto traffic = impl_->server.traffic();
    for (auto& f : impl_->followers) {
        const auto now = ((*traffic).*f.source).load(std::memory_order_relaxed);
        f.counter->Increment(static_cast<double>(now - f.shown));
        f.shown = now;
    }
    if (impl_->log_writer) {
        impl_->log_dropped.Set(static_cast<double>(impl_->log_writer->dropped()));
        impl_->log_written.Set(static_cast<double>(impl_->log_writer->written()));
    }
    return prometheus::TextSerializer().Serialize(impl_->registry->Collect());
}

}  // namespace tunely::admin
