#include "postgres_instance.hpp"

#include <boost/asio.hpp>

#include <filesystem>
#include <stdexcept>

namespace tunely::test {
namespace {

constexpr const char* bin = "/usr/lib/postgresql/15/bin";

// Runs a shell command line as the postgres user; throws with its output on failure.
void as_postgres(const std::string& command) {
    child_process p("/bin/su", {"postgres", "-s", "/bin/sh", "-c", command});
    auto code = p.wait_exit(std::chrono::seconds(60));
    if (code != 0) throw std::runtime_error("`" + command + "` failed:\n" + p.output());
}

std::uint16_t free_port() {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();
}

}  // namespace

postgres_instance::postgres_instance() {
    // The server runs as postgres: it must reach the directory and own its data.
    std::filesystem::permissions(dir_.path, std::filesystem::perms::all);
    std::filesystem::create_directories(dir_.path / "pg");
    child_process own("/bin/chown", {"postgres:postgres", (dir_.path / "pg").string()});
    own.wait_exit(std::chrono::seconds(10));
    port_ = free_port();
    as_postgres(std::string(bin) + "/initdb -D " + (dir_.path / "pg").string() + " -A trust -U postgres >/dev/null");
    start();
    child_process psql("/usr/bin/psql", {"-h", "127.0.0.1", "-p", std::to_string(port_), "-U", "postgres", "-q",
                                         "-c", "CREATE USER tunely PASSWORD 'tunely'", "-c",
                                         "CREATE DATABASE tunely OWNER tunely"});
    if (psql.wait_exit(std::chrono::seconds(30)) != 0) throw std::runtime_error("psql failed: " + psql.output());
}

postgres_instance::~postgres_instance() {
    try {
        stop();
    } catch (...) {
    }
}

std::string postgres_instance::url() const {
    return "postgresql://tunely:tunely@127.0.0.1:" + std::to_string(port_) + "/tunely";
}

void postgres_instance::pg_ctl(const std::string& args) {
    auto data = (dir_.path / "pg").string();
    as_postgres(std::string(bin) + "/pg_ctl -D " + data + " " + args);
}

void postgres_instance::start() {
    auto data = (dir_.path / "pg").string();
    pg_ctl("-l " + data + "/server.log -o \"-p " + std::to_string(port_) + " -k " + data +
           " -c listen_addresses=127.0.0.1 -c fsync=off\" -w start >/dev/null");
    running_ = true;
}

void postgres_instance::stop() {
    if (!running_) return;
    pg_ctl("-m fast -w stop >/dev/null");
    running_ = false;
}

}  // namespace tunely::test
