// The config file (--config FILE): docs/tunely.example.toml names every key of `tunely server`, `tunely connect` and
// the admin CLI with its default and is loaded as it stands; mistakes in a file are one line `FILE:LINE: …` and exit
// 2 (CLI11's reader ignored syntax errors and unknown keys); flags > environment > file > defaults.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "cli_run.hpp"
#include "free_ports.hpp"

namespace tunely::test {
namespace {

const std::filesystem::path example = std::filesystem::path(TUNELY_SPEC_DIR) / ".." / "docs" / "tunely.example.toml";

std::string read(const std::filesystem::path& path) {
    std::ifstream in(path);
    EXPECT_TRUE(in) << "cannot read " << path;
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write(const std::filesystem::path& path, const std::string& text) { std::ofstream(path) << text; }

// The long options of a command's --help (not --help, --config), each with its default ("" when none).
std::map<std::string, std::string> options_of(const std::vector<std::string>& command) {
    auto args = command;
    args.push_back("--help");
    auto help = run_cli(args);
    EXPECT_EQ(help.code, 0) << help.output;
    std::map<std::string, std::string> out;
    std::istringstream lines(help.output);
    static const std::regex option(R"(^  (?:-\w,)?--([\w-]+)(\S*)(?: (\S[^(]*?))?(?: \(Env:\w+\))?(?:  .*)?$)");
    for (std::string line; std::getline(lines, line);) {
        std::smatch m;
        if (!std::regex_match(line, m, option) || m[1] == "help" || m[1] == "config") continue;
        const std::string type = m[3];
        const auto eq = type.rfind('=');
        out[m[1]] = eq == std::string::npos ? "" : type.substr(eq + 1);
    }
    return out;
}

struct example_key {
    bool active;
    std::string value;
};

// The example's keys per section: `key = value` or commented out `# key = value`.
std::map<std::string, std::map<std::string, example_key>> example_keys(const std::string& text) {
    std::map<std::string, std::map<std::string, example_key>> out;
    std::istringstream lines(text);
    std::string section;
    static const std::regex key(R"(^(# )?([a-z0-9-]+) = (.*)$)"), header(R"(^\[(\w+)\]$)");
    for (std::string line; std::getline(lines, line);) {
        std::smatch m;
        if (std::regex_match(line, m, header)) section = m[1];
        else if (std::regex_match(line, m, key) && !section.empty()) {
            std::string value = m[3];
            if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
            out[section][m[2]] = {!m[1].matched, value};
        }
    }
    return out;
}

TEST(cli_config_e2e, example_file_lists_every_key_with_its_default) {
    const auto keys = example_keys(read(example));
    const std::vector<std::pair<std::string, std::vector<std::string>>> sections{
        {"server", {"server"}}, {"connect", {"connect"}}, {"admin", {"tunnel", "list"}}};
    for (const auto& [section, command] : sections) {
        const auto options = options_of(command);
        EXPECT_GT(options.size(), 3u) << section;
        ASSERT_TRUE(keys.count(section)) << "no [" << section << "] in the example";
        for (const auto& [name, fallback] : options) {
            auto found = keys.at(section).find(name);
            ASSERT_NE(found, keys.at(section).end()) << "[" << section << "] " << name << " is not in the example";
            if (found->second.active && !fallback.empty())
                EXPECT_EQ(found->second.value, fallback) << "[" << section << "] " << name << ": not the default";
        }
        for (const auto& [name, key] : keys.at(section))
            EXPECT_TRUE(options.count(name)) << "[" << section << "] " << name << " is no option of the command";
    }
    EXPECT_EQ(keys.size(), sections.size());
}

TEST(cli_config_e2e, example_file_loads_as_it_stands_and_with_every_key_set) {
    auto as_is = run_cli({"config", "check", example.string()});
    EXPECT_EQ(as_is.code, 0) << as_is.output;
    EXPECT_EQ(as_is.output, example.string() + ": ok\n");

    temp_dir dir;
    const auto all = dir.path / "all.toml";
    write(all, std::regex_replace(read(example), std::regex(R"((^|\n)# ([a-z0-9-]+ = ))"), "$1$2"));
    auto every = run_cli({"config", "check", all.string()});
    EXPECT_EQ(every.code, 0) << every.output;

    // The server runs with the example's values (each applied through its option's own checks).
    child_process server(tunely_binary(), {"server", "--config", example.string(), "--host", "127.0.0.1", "--port",
                                           "0", "--admin-key", "k", "--database",
                                           "sqlite:///" + (dir.path / "t.db").string()});
    EXPECT_TRUE(server.wait_for("listening on http://127.0.0.1:", std::chrono::seconds(20))) << server.output();
}

TEST(cli_config_e2e, mistakes_are_one_line_with_file_and_line_and_exit_2) {
    temp_dir dir;
    const auto file = (dir.path / "t.toml").string();
    auto expect_error = [&](const std::string& text, const std::string& line, std::vector<std::string> command) {
        write(file, text);
        command.insert(command.end(), {"--config", file});
        auto r = run_cli(command);
        EXPECT_EQ(r.code, 2) << text;
        EXPECT_EQ(r.output, "error: " + file + ":" + line + "\n") << text;
    };
    expect_error("[server]\nport = 8080\nprot = 1\n", "3: unknown key 'prot' in [server]", {"server"});
    expect_error("[server\nport = 1\n", "1: Error while parsing table header: expected ']', saw '\\n'", {"server"});
    expect_error("[servr]\n", "1: unknown section [servr] (sections: [admin], [connect], [server])", {"server"});
    expect_error("port = 1\n", "1: key 'port' outside a section (sections: [admin], [connect], [server])", {"server"});
    expect_error("[server]\n\nport = \"x\"\n", "3: [server] port: expected an integer", {"server"});
    expect_error("[server]\nno-migrate = 1\n", "2: [server] no-migrate: expected true or false", {"server"});
    // A typo in another command's section fails this one too; the secret next to it is never shown.
    expect_error("[admin]\nadmin-key = \"s3cret-in-file\"\n[connect]\ntokn = \"tun_x\"\n",
                 "4: unknown key 'tokn' in [connect]", {"db", "current"});
    // A value the option refuses, with its place.
    expect_error("[connect]\nlog-level = \"loud\"\n",
                 "2: [connect] log-level: --log-level: loud not in {trace,debug,info,warn,warning,error,critical,off}",
                 {"connect"});
    auto missing = run_cli({"server", "--config", (dir.path / "none.toml").string()});
    EXPECT_EQ(missing.code, 2);
    EXPECT_EQ(missing.output, "error: --config " + (dir.path / "none.toml").string() + ": no such file\n");
}

TEST(cli_config_e2e, flags_beat_environment_beat_file_beat_defaults) {
    temp_dir dir;
    const auto [first, last] = free_port_range(3);
    (void)last;
    const auto file = (dir.path / "t.toml").string();
    write(file, "[server]\nhost = \"127.0.0.1\"\nport = " + std::to_string(first) + "\nadmin-key = \"k\"\n"
                "database = \"sqlite:///" + (dir.path / "t.db").string() + "\"\n");
    auto listening_port = [&](const std::vector<std::string>& env, std::vector<std::string> args) {
        std::vector<std::string> command{"env"};
        command.insert(command.end(), env.begin(), env.end());
        command.insert(command.end(), {tunely_binary(), "server", "--config", file});
        command.insert(command.end(), args.begin(), args.end());
        child_process server("/usr/bin/env", std::vector<std::string>(command.begin() + 1, command.end()));
        return server.wait_for(R"(listening on http://127\.0\.0\.1:([0-9]+))", std::chrono::seconds(20))
            .value_or(server.output());
    };
    EXPECT_EQ(listening_port({}, {}), std::to_string(first)) << "the file beats the default";
    EXPECT_EQ(listening_port({"TUNELY_PORT=" + std::to_string(first + 1)}, {}), std::to_string(first + 1))
        << "the environment beats the file";
    EXPECT_EQ(listening_port({"TUNELY_PORT=" + std::to_string(first + 1)}, {"--port", std::to_string(first + 2)}),
              std::to_string(first + 2))
        << "a flag beats the environment";
}

TEST(cli_config_e2e, connect_reads_the_original_connect_file) {
    tunely_server_process server;
    const auto token = server.create_tunnel("orig-file");
    temp_dir dir;
    const auto file = (dir.path / "client.toml").string();
    write(file, "server = \"" + server.ws_url() + "\"\nreconnect_secs = 1\n\n[[tunnel]]\nname = \"one\"\ntoken = \"" +
                    token + "\"\ntarget = \"http://127.0.0.1:9\"\n");
    child_process client(tunely_binary(), {"connect", "-c", file});
    EXPECT_TRUE(client.wait_for("connected: tunnel 'orig-file'", std::chrono::seconds(20))) << client.output();
    EXPECT_TRUE(server.wait_connected("orig-file"));

    write(file, "server = \"" + server.ws_url() + "\"\n[[tunnel]]\ntoken = \"a\"\n[[tunnel]]\ntoken = \"b\"\n");
    auto two = run_cli({"connect", "-c", file});
    EXPECT_EQ(two.code, 2);
    EXPECT_EQ(two.output, "error: " + file +
                              ":2: 2 [[tunnel]] entries: tunely connect serves one tunnel; run one tunely connect "
                              "per tunnel (a file each, or --token)\n");
}

}  // namespace
}  // namespace tunely::test
