// The admin CLI (`tunely tunnel …`) finds its credentials (flag, environment, config file, `tunely login`'s
// credentials file, a local server's admin.key), says how to supply a key after a 401, never shows a secret, talks
// https:// with --ca-file or --insecure, takes the original CLI's flags, and asks before it deletes.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "cli_run.hpp"

namespace tunely::test {
namespace {

int mode_of(const std::filesystem::path& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 ? static_cast<int>(st.st_mode & 0777) : -1;
}

std::string program(const std::string& name) {
    for (const char* dir : {"/usr/bin/", "/bin/", "/usr/sbin/"})
        if (std::filesystem::exists(std::string(dir) + name)) return std::string(dir) + name;
    return name;
}

TEST(cli_admin_e2e, login_stores_the_key_for_the_admin_cli) {
    tunely_server_process server;
    temp_dir home;
    const std::vector<std::string> env{"XDG_CONFIG_HOME=" + home.path.string(), "TUNELY_ADMIN_KEY=", "TUNELY_ADMIN_URL="};
    auto login = run_cli({"login", "--server", server.http_url() + "/", "--admin-key", test_admin_key}, env);
    const auto file = home.path / "tunely" / "credentials.toml";
    EXPECT_EQ(login.code, 0) << login.output;
    EXPECT_EQ(login.output, "Saved the admin key for " + server.http_url() + " in " + file.string() +
                                " (mode 0600); tunely tunnel … now uses it (and this server by default).\n");
    EXPECT_EQ(mode_of(file), 0600);
    EXPECT_EQ(mode_of(home.path / "tunely"), 0700);

    // No --server, no --admin-key: the login's server and key.
    auto created = run_cli({"tunnel", "create", "via-login"}, env);
    EXPECT_EQ(created.code, 0) << created.output;
    EXPECT_NE(created.output.find("Created tunnel 'via-login'"), std::string::npos) << created.output;
    EXPECT_EQ(server.admin("GET", "/api/tunnels/via-login").status, 200u);
    // A broken credentials file is named (never shown) and mended by a new login.
    std::ofstream(file) << "server = \"" << server.http_url() << "\"\n[admin_keys\n";
    auto broken = run_cli({"tunnel", "list"}, env);
    EXPECT_EQ(broken.code, 1);
    EXPECT_EQ(broken.output, "error: " + file.string() + ":2: Error while parsing table header: expected ']', saw '\\n' "
                             "(rewrite it with tunely login)\n");
    EXPECT_EQ(run_cli({"login", "-s", server.http_url(), "-k", test_admin_key}, env).code, 0);
    EXPECT_EQ(mode_of(file), 0600);
    EXPECT_EQ(run_cli({"tunnel", "list"}, env).code, 0);
    // Without HOME or XDG_CONFIG_HOME there is nowhere to store it.
    auto nowhere = run_cli({"login", "-s", server.http_url(), "-k", "x"}, {"XDG_CONFIG_HOME=", "HOME="});
    EXPECT_EQ(nowhere.code, 1);
    EXPECT_EQ(nowhere.output, "error: neither XDG_CONFIG_HOME nor HOME is set: nowhere to store credentials\n");
}

TEST(cli_admin_e2e, a_refused_key_says_where_it_came_from_and_how_to_supply_one) {
    tunely_server_process server;
    temp_dir home;
    const std::vector<std::string> env{"XDG_CONFIG_HOME=" + home.path.string(), "TUNELY_ADMIN_KEY="};
    const std::string how = ". Supply the server's key with --admin-key KEY, TUNELY_ADMIN_KEY, admin-key in [admin] "
                            "of a --config file, or once for this server: tunely login --server " +
                            server.http_url() + " --admin-key KEY\n";
    auto wrong = run_cli({"tunnel", "list", "--server", server.http_url(), "--admin-key", "wrong-secret-value"}, env);
    EXPECT_EQ(wrong.code, 1);
    EXPECT_EQ(wrong.output, "error: Invalid or missing API key (HTTP 401)\nThe server refused the admin key from "
                            "--admin-key or TUNELY_ADMIN_KEY" + how);
    auto none = run_cli({"tunnel", "list", "--server", server.http_url()}, env);
    EXPECT_EQ(none.code, 1);
    EXPECT_EQ(none.output, "error: Invalid or missing API key (HTTP 401)\nNo admin key was given" + how);
    // From the config file: named as such, the value never shown.
    std::ofstream(home.path / "t.toml") << "[admin]\nserver = \"" << server.http_url()
                                        << "\"\nadmin-key = \"file-secret-value\"\n";
    auto from_file = run_cli({"tunnel", "list", "--config", (home.path / "t.toml").string()}, env);
    EXPECT_EQ(from_file.code, 1);
    EXPECT_NE(from_file.output.find("refused the admin key from " + (home.path / "t.toml").string() + " [admin]"),
              std::string::npos)
        << from_file.output;
    EXPECT_EQ(from_file.output.find("file-secret-value"), std::string::npos) << from_file.output;
    // The original's TUNELY_ADMIN_API_KEY is read too.
    auto original = run_cli({"tunnel", "list", "-s", server.http_url()},
                            {"XDG_CONFIG_HOME=" + home.path.string(), "TUNELY_ADMIN_API_KEY=" + std::string(test_admin_key)});
    EXPECT_EQ(original.code, 0) << original.output;
}

TEST(cli_admin_e2e, a_local_server_key_file_is_used_for_a_local_server_only) {
    temp_dir dir;
    // A server without --admin-key generates <data dir>/admin.key.
    child_process server(tunely_binary(), {"server", "--host", "127.0.0.1", "--port", "0", "--database",
                                           "sqlite:///" + (dir.path / "t.db").string()});
    auto port = server.wait_for(R"(listening on http://127\.0\.0\.1:([0-9]+))", std::chrono::seconds(20));
    ASSERT_TRUE(port) << server.output();
    const std::vector<std::string> env{"XDG_CONFIG_HOME=" + dir.path.string(), "TUNELY_ADMIN_KEY=",
                                       "TUNELY_DATABASE_URL=sqlite:///" + (dir.path / "t.db").string()};
    auto local = run_cli({"tunnel", "list", "--server", "http://127.0.0.1:" + *port}, env);
    EXPECT_EQ(local.code, 0) << local.output;
    EXPECT_EQ(local.output.rfind("DOMAIN", 0), 0u) << local.output;
    // The same server under an address that is not loopback (0.0.0.0 reaches this host on Linux): the local key is
    // not sent.
    auto other = run_cli({"tunnel", "list", "--server", "http://0.0.0.0:" + *port}, env);
    EXPECT_EQ(other.code, 1);
    EXPECT_NE(other.output.find("No admin key was given"), std::string::npos) << other.output;
}

TEST(cli_admin_e2e, secrets_are_never_repeated_in_usage_errors) {
    auto typo = run_cli({"tunnel", "list", "--admin-kye", "s3cret-value"});
    EXPECT_EQ(typo.code, 2);
    EXPECT_EQ(typo.output, "error: unknown option --admin-kye and 1 unexpected argument (not repeated here: values "
                           "may be secrets)\nRun 'tunely --help' (or 'tunely COMMAND --help') for usage.\n");
    auto inline_value = run_cli({"connect", "--tokn=tun_s3cret"});
    EXPECT_EQ(inline_value.code, 2);
    EXPECT_EQ(inline_value.output.find("s3cret"), std::string::npos) << inline_value.output;
    EXPECT_NE(inline_value.output.find("unknown option --tokn"), std::string::npos) << inline_value.output;
}

TEST(cli_admin_e2e, the_original_cli_flags_work) {
    tunely_server_process server;
    auto created = run_cli({"tunnel", "create", "orig-flags", "-k", test_admin_key, "-s", server.http_url(), "-n",
                            "Orig", "-d", "made with the original's flags", "-m", "http"});
    EXPECT_EQ(created.code, 0) << created.output;
    auto shown = run_cli({"tunnel", "show", "orig-flags", "--api-key", test_admin_key, "-s", server.http_url()});
    EXPECT_NE(shown.output.find("name:         Orig\n"), std::string::npos) << shown.output;
    EXPECT_NE(shown.output.find("description:  made with the original's flags\n"), std::string::npos) << shown.output;

    // Without -y and without a terminal: a usage error, nothing deleted.
    auto asked = run_cli({"tunnel", "delete", "orig-flags", "-k", test_admin_key, "-s", server.http_url()});
    EXPECT_EQ(asked.code, 2);
    EXPECT_EQ(asked.output, "error: about to delete tunnel 'orig-flags' (its token stops working): pass --yes (-y) to "
                            "confirm (stdin is not a terminal, so nobody can be asked)\n");
    EXPECT_EQ(server.admin("GET", "/api/tunnels/orig-flags").status, 200u);
    auto deleted = run_cli({"tunnel", "delete", "orig-flags", "-y", "-k", test_admin_key, "-s", server.http_url()});
    EXPECT_EQ(deleted.code, 0) << deleted.output;
    EXPECT_EQ(server.admin("GET", "/api/tunnels/orig-flags").status, 404u);

    // serve: -h is --host there, -p, -D, -k, -v; the original's names are in --help.
    temp_dir dir;
    child_process serve(tunely_binary(), {"serve", "-h", "127.0.0.1", "-p", "0", "-D",
                                          "sqlite:///" + (dir.path / "t.db").string(), "-k", "k", "-v",
                                          "--tcp-listen", "0:offline"});
    auto listener = serve.wait_for(R"(TCP listener on 127\.0\.0\.1:([0-9]+) for tunnel offline)", std::chrono::seconds(20));
    ASSERT_TRUE(listener) << serve.output();
    // A connection for a tunnel that is offline is refused with a debug line.
    child_process caller("/bin/bash", {"-c", "exec 3<>/dev/tcp/127.0.0.1/" + *listener + "; cat <&3"});
    EXPECT_TRUE(serve.wait_for(R"(\[debug\] TCP connection from .* for tunnel offline refused)", std::chrono::seconds(10)))
        << "-v logs at debug level:\n" << serve.output();
    auto help = run_cli({"serve", "--help"});
    for (const char* name : {"-h,--host", "-p,--port", "-D,--database", "-d,--domain", "-k,--admin-key,--api-key",
                             "--tls-cert,--ssl-certfile", "--tls-key,--ssl-keyfile", "--cors-origins", "-v,--verbose"})
        EXPECT_NE(help.output.find(name), std::string::npos) << name << " not in serve --help";
}

TEST(cli_admin_e2e, delete_asks_on_a_terminal) {
    tunely_server_process server;
    server.create_tunnel("asked");
    server.create_tunnel("kept");
    // script(1) gives the command a terminal; the answer is typed into it.
    auto on_terminal = [&](const std::string& domain, const std::string& answer) {
        const std::string command = "printf '" + answer + "\\n' | " + program("script") + " -qec '" + tunely_binary() +
                                    " tunnel delete " + domain + " -s " + server.http_url() + " -k " + test_admin_key +
                                    "' /dev/null";
        child_process p("/bin/sh", {"-c", command});
        auto code = p.wait_exit(std::chrono::seconds(20));
        return std::make_pair(code.value_or(-1), p.output());
    };
    auto [yes_code, yes_out] = on_terminal("asked", "y");
    EXPECT_NE(yes_out.find("About to delete tunnel 'asked' (its token stops working). Continue? [y/N]"),
              std::string::npos)
        << yes_out;
    EXPECT_EQ(yes_code, 0) << yes_out;
    EXPECT_EQ(server.admin("GET", "/api/tunnels/asked").status, 404u);
    auto [no_code, no_out] = on_terminal("kept", "n");
    EXPECT_EQ(no_code, 1) << no_out;
    EXPECT_NE(no_out.find("Not confirmed; nothing changed."), std::string::npos) << no_out;
    EXPECT_EQ(server.admin("GET", "/api/tunnels/kept").status, 200u);
}

TEST(cli_admin_e2e, https_with_a_ca_file_or_insecure) {
    temp_dir dir;
    const auto cert = (dir.path / "cert.pem").string(), key = (dir.path / "key.pem").string();
    child_process openssl(program("openssl"), {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out",
                                               cert, "-days", "2", "-subj", "/CN=localhost", "-addext",
                                               "subjectAltName=DNS:localhost,IP:127.0.0.1"});
    ASSERT_EQ(openssl.wait_exit(std::chrono::seconds(30)), 0) << openssl.output();
    // The original's --ssl-certfile / --ssl-keyfile.
    child_process server(tunely_binary(), {"serve", "--host", "127.0.0.1", "--port", "0", "--admin-key", "k",
                                           "--database", "sqlite:///" + (dir.path / "t.db").string(),
                                           "--ssl-certfile", cert, "--ssl-keyfile", key});
    auto port = server.wait_for(R"(listening on https://127\.0\.0\.1:([0-9]+))", std::chrono::seconds(20));
    ASSERT_TRUE(port) << server.output();
    const auto url = "https://localhost:" + *port;
    auto verified = run_cli({"tunnel", "create", "over-tls", "-s", url, "-k", "k", "--ca-file", cert});
    EXPECT_EQ(verified.code, 0) << verified.output;
    EXPECT_NE(verified.output.find("tunely connect --server wss://localhost:" + *port + "/ws/tunnel"), std::string::npos)
        << verified.output;
    auto unknown_ca = run_cli({"tunnel", "list", "-s", url, "-k", "k"}, {"SSL_CERT_FILE=/dev/null", "SSL_CERT_DIR=/dev/null"});
    EXPECT_EQ(unknown_ca.code, 1);
    EXPECT_NE(unknown_ca.output.find("error: TLS handshake with " + url + " failed: "), std::string::npos)
        << unknown_ca.output;
    EXPECT_NE(unknown_ca.output.find("(a private CA: --ca-file; testing only: --insecure)"), std::string::npos)
        << unknown_ca.output;
    auto insecure = run_cli({"tunnel", "list", "-s", url, "-k", "k", "--insecure"});
    EXPECT_EQ(insecure.code, 0) << insecure.output;
    EXPECT_NE(insecure.output.find("over-tls"), std::string::npos) << insecure.output;
}

}  // namespace
}  // namespace tunely::test
