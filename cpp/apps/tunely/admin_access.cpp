#include "admin_access.hpp"

#include <boost/url.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "admin_key.hpp"
#include "credentials.hpp"
#include "database_url.hpp"
#include "env_aliases.hpp"

namespace tunely::app {
namespace {

// A server on this machine: the only one the local admin.key file may be sent to.
bool is_loopback(const std::string& server_url) {
    auto u = boost::urls::parse_uri(server_url);
    if (!u) return false;
    const std::string host = u->host();
    return host == "localhost" || host.rfind("127.", 0) == 0 || host == "[::1]";
}

// <data dir>/admin.key of the database a local `tunely server` would use with the same environment and file.
std::string local_key_file(const config_file& config) {
    const char* env = std::getenv("TUNELY_DATABASE_URL");
    std::string database = env && *env ? env : config.text("server", "database").value_or("sqlite:///./data/tunnels.db");
    std::string problem;
    auto url = store::parse_database_url(database, problem);
    if (!url) return {};
    return (std::filesystem::path(data_directory(*url)) / "admin.key").string();
}

}  // namespace

void admin_options::add_to(CLI::App* sub) {
    sub->add_option("-s,--server", server_, "Server base URL (http:// or https://)")
        ->envname("TUNELY_ADMIN_URL")
        ->capture_default_str();
    auto* key = sub->add_option("-k,--admin-key,--api-key", admin_key_,
                                "Admin API key (default: tunely login's, or a local server's admin.key)")
                    ->envname("TUNELY_ADMIN_KEY");
    add_env_alias(key, "TUNELY_ADMIN_API_KEY");
    sub->add_option("--ca-file", ca_file_, "PEM file of CAs trusted for an https:// server (besides the system's)")
        ->envname("TUNELY_CA_FILE")
        ->check(CLI::ExistingFile);
    sub->add_flag("--insecure", insecure_, "Do not verify the https:// server's certificate (testing only)")
        ->envname("TUNELY_INSECURE");
}

std::optional<admin_access> admin_options::resolve(CLI::App* sub, config_file& config, int& code) const {
    code = 2;
    const auto* server_opt = sub->get_option("--server");
    const auto* key_opt = sub->get_option("--admin-key");
    std::string source = key_opt->count() > 0 ? "--admin-key or TUNELY_ADMIN_KEY" : "";
    apply_env_aliases(sub);
    if (source.empty() && key_opt->count() > 0) source = set_alias(key_opt).value_or("");
    if (!config.apply(sub, "admin")) return std::nullopt;
    if (source.empty() && key_opt->count() > 0) source = config.path() + " [admin]";
    admin_access a{{server_, admin_key_, ca_file_, insecure_}, source};
    if (a.target.admin_key.empty()) {
        try {
            if (auto stored = read_credentials()) {
                if (server_opt->count() == 0 && !stored->server.empty()) a.target.server_url = stored->server;
                auto key = stored->admin_keys.find(server_key(a.target.server_url));
                if (key != stored->admin_keys.end()) {
                    a.target.admin_key = key->second;
                    a.key_source = credentials_path().string() + " (tunely login)";
                }
            }
            if (a.target.admin_key.empty() && is_loopback(a.target.server_url)) {
                const auto path = local_key_file(config);
                if (auto key = path.empty() ? std::nullopt : read_admin_key(path)) {
                    a.target.admin_key = *key;
                    a.key_source = path;
                }
            }
        } catch (const std::exception& e) {
            std::cerr << "error: " << e.what() << "\n";
            code = 1;
            return std::nullopt;
        }
    }
    code = 0;
    return a;
}

std::string unauthorized_hint(const admin_access& access) {
    const auto& server = access.target.server_url;
    std::string said = access.key_source.empty() ? "No admin key was given"
                                                 : "The server refused the admin key from " + access.key_source;
    return said + ". Supply the server's key with --admin-key KEY, TUNELY_ADMIN_KEY, admin-key in [admin] of a "
                  "--config file, or once for this server: tunely login --server " + server + " --admin-key KEY";
}

}  // namespace tunely::app
