#pragma once
// The admin CLI's server URL and admin key (`tunely tunnel …`: everything that talks to the admin API), first found
// wins:
//   1. the flags --server/-s, --admin-key/-k (the original's --api-key);
//   2. the environment: TUNELY_ADMIN_URL, TUNELY_ADMIN_KEY (the original's TUNELY_ADMIN_API_KEY);
//   3. [admin] server / admin-key in the --config file;
//   4. the credentials file `tunely login` wrote (credentials.hpp): its key for that server, and its server when
//      none of the above named one;
//   5. for a server on this machine (localhost, 127.0.0.0/8, ::1) only: the key file a local `tunely server`
//      generated, <data dir>/admin.key of TUNELY_DATABASE_URL or [server] database (./data by default). A local
//      key is never sent to another machine.
// Also --ca-file and --insecure for an https:// server, as `tunely connect` has them for wss://.
#include <CLI/CLI.hpp>

#include <optional>
#include <string>

#include "admin_client.hpp"
#include "config_file.hpp"

namespace tunely::app {

struct admin_access {
    admin_target target;
    std::string key_source;  // where the key came from, for messages; empty: no key anywhere
};

class admin_options {
public:
    // Adds the options above to `sub` (several subcommands may share one admin_options).
    void add_to(CLI::App* sub);
    // In `sub`'s callback: the chain above. Nullopt after printing why (a config or credentials file error; `code`
    // set to the exit code).
    std::optional<admin_access> resolve(CLI::App* sub, config_file& config, int& code) const;

private:
    std::string server_ = "http://localhost:8080";
    std::string admin_key_;
    std::string ca_file_;
    bool insecure_ = false;
};

// What to say after the server answered 401: where the key came from and every way to supply one. Never the key.
std::string unauthorized_hint(const admin_access& access);

}  // namespace tunely::app
