#pragma once
// A PostgreSQL 15 server owned by one test (so the test may stop and restart
// it): throw-away data directory, a free loopback port, database `tunely` with
// user tunely/tunely. Needs root (the server runs as the postgres user).
#include <cstdint>
#include <string>

#include "tunely_stack.hpp"

namespace tunely::test {

class postgres_instance {
public:
    postgres_instance();
    ~postgres_instance();
    std::string url() const;
    void stop();
    void start();

private:
    void pg_ctl(const std::string& args);
    temp_dir dir_;
    std::uint16_t port_ = 0;
    bool running_ = false;
};

}  // namespace tunely::test
