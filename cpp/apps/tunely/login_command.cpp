// `tunely login`: remembers a server's admin key so that `tunely tunnel …` needs no --admin-key. Nothing is sent
// anywhere: the key is checked by the first command that uses it (a 401 says how to replace it).
#include "login_command.hpp"

#include <iostream>
#include <memory>

#include "credentials.hpp"

namespace tunely::app {

void add_login_command(CLI::App& app, int& exit_code) {
    struct login_flags {
        std::string server;
        std::string admin_key;
    };
    auto f = std::make_shared<login_flags>();
    auto* cmd = app.add_subcommand("login", "Store an admin key for `tunely tunnel …` (and make its server the default)");
    cmd->add_option("-s,--server", f->server, "Server base URL (http:// or https://)")->required();
    cmd->add_option("-k,--admin-key,--api-key", f->admin_key, "The server's admin API key")
        ->envname("TUNELY_ADMIN_KEY")
        ->required();
    cmd->callback([f, &exit_code] {
        if (f->server.rfind("http://", 0) != 0 && f->server.rfind("https://", 0) != 0) {
            std::cerr << "error: --server " << f->server << ": expected http://host[:port] or https://host[:port]\n";
            exit_code = 2;
            return;
        }
        try {
            save_credentials(f->server, f->admin_key);
        } catch (const std::exception& e) {
            std::cerr << "error: " << e.what() << "\n";
            exit_code = 1;
            return;
        }
        std::cout << "Saved the admin key for " << server_key(f->server) << " in " << credentials_path().string()
                  << " (mode 0600); tunely tunnel … now uses it (and this server by default).\n";
    });
}

}  // namespace tunely::app
