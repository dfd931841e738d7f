// `tunely tunnel …`: manages tunnels through the admin API.
#include "tunnel_command.hpp"

#include <boost/json.hpp>

#include <iostream>

#include "admin_access.hpp"
#include "confirm.hpp"

namespace tunely::app {
namespace {
namespace json = boost::json;

struct tunnel_flags {
    admin_options admin;
    std::string domain;
    std::string name;
    std::string description;
    std::string enabled;  // "", "true" or "false"
    std::string mode;     // "", "http" or "tcp"
    std::string tcp_port; // "", a port, "auto" or "none"
    std::string udp_port; // likewise
    bool json_output = false;
    bool yes = false;  // delete: no question
};

// --tcp-port / --udp-port into the body as the admin API takes them: a number, "auto", or null for "none".
void put_ports(const tunnel_flags& f, json::object& body) {
    for (auto [key, text] : {std::pair{"tcp_port", &f.tcp_port}, std::pair{"udp_port", &f.udp_port}}) {
        if (text->empty()) continue;
        if (*text == "auto") body[key] = "auto";
        else if (*text == "none") body[key] = nullptr;
        else body[key] = std::stoi(*text);
    }
}

// The public address of a tunnel's port: the server URL's host and that port.
std::string port_address(const std::string& server_url, const json::value* port) {
    auto rest = server_url.substr(server_url.find("://") == std::string::npos ? 0 : server_url.find("://") + 3);
    auto host = rest.substr(0, rest.find('/'));
    if (!host.empty() && host.front() == '[') host = host.substr(0, host.find(']') + 1);
    else host = host.substr(0, host.find(':'));
    return host + ":" + json::serialize(*port);
}

std::string text_of(const json::value* v) {
    if (!v || v->is_null()) return "";
    if (v->is_string()) return std::string(v->get_string());
    return json::serialize(*v);
}

// Prints the server's error detail and returns the exit code.
int fail(const admin_reply& r) {
    boost::system::error_code ec;
    auto v = json::parse(r.body, ec);
    std::string detail = r.body;
    if (!ec && v.is_object()) {
        if (auto* d = v.get_object().if_contains("detail")) detail = text_of(d);
        else if (auto* e = v.get_object().if_contains("error")) detail = text_of(e);
    }
    std::cerr << "error: " << detail << " (HTTP " << r.status << ")\n";
    return 1;
}

// One admin API call for `sub`: the server and key resolved (admin_access.hpp), the answer printed by `print`
// (given the server URL used) or as JSON. Returns the exit code.
int call(const tunnel_flags& f, CLI::App* sub, config_file& config, const std::string& method, const std::string& path,
         const std::string& body, const std::function<void(const json::value&, const std::string&)>& print) {
    int code = 0;
    auto access = f.admin.resolve(sub, config, code);
    if (!access) return code;
    try {
        auto r = admin_request(access->target, method, path, body);
        if (r.status == 401) {
            fail(r);
            std::cerr << unauthorized_hint(*access) << "\n";
            return 1;
        }
        if (r.status >= 300) return fail(r);
        auto v = json::parse(r.body);
        if (f.json_output) std::cout << json::serialize(v) << "\n";
        else print(v, access->target.server_url);
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    }
}

std::string ws_url_of(const std::string& server) {
    auto s = server;
    if (s.rfind("https://", 0) == 0) s = "wss://" + s.substr(8);
    else if (s.rfind("http://", 0) == 0) s = "ws://" + s.substr(7);
    while (!s.empty() && s.back() == '/') s.pop_back();
    return s + "/ws/tunnel";
}

void print_tunnel(const json::object& t) {
    std::cout << "domain:       " << text_of(t.if_contains("domain")) << "\n"
              << "name:         " << text_of(t.if_contains("name")) << "\n"
              << "description:  " << text_of(t.if_contains("description")) << "\n"
              << "mode:         " << text_of(t.if_contains("mode")) << "\n"
              << "tcp_port:     " << text_of(t.if_contains("tcp_port")) << "\n"
              << "udp_port:     " << text_of(t.if_contains("udp_port")) << "\n"
              << "enabled:      " << text_of(t.if_contains("enabled")) << "\n"
              << "connected:    " << text_of(t.if_contains("connected")) << "\n"
              << "requests:     " << text_of(t.if_contains("total_requests")) << "\n"
              << "created_at:   " << text_of(t.if_contains("created_at")) << "\n";
    if (auto* listeners = t.if_contains("listeners"); listeners && listeners->is_array()) {
        for (const auto& item : listeners->get_array()) {
            if (!item.is_object()) continue;
            const auto& l = item.get_object();
            const bool assigned = l.if_contains("assigned") && l.at("assigned") == true;
            std::cout << "listener:     " << text_of(l.if_contains("protocol")) << " "
                      << text_of(l.if_contains("host")) << ":" << text_of(l.if_contains("port"))
                      << (assigned ? " (assigned)" : " (static)") << "\n";
        }
    }
}

// After a create: where the tunnel's TCP and UDP ports are reached.
void print_port_addresses(const std::string& server_url, const json::object& t) {
    if (auto* port = t.if_contains("tcp_port"); port && !port->is_null())
        std::cout << "\nTCP: connections to " << port_address(server_url, port)
                  << " reach the client's TCP target (tunely connect --tcp-target HOST:PORT; default: the "
                     "--target URL's host and port)\n";
    if (auto* port = t.if_contains("udp_port"); port && !port->is_null())
        std::cout << "\nUDP: datagrams to " << port_address(server_url, port)
                  << " reach the client's UDP target (tunely connect --udp-target HOST:PORT; default: the "
                     "--target URL's host and port)\n";
}

}  // namespace

void add_tunnel_command(CLI::App& app, int& exit_code, config_file& config) {
    auto f = std::make_shared<tunnel_flags>();
    auto* cmd = app.add_subcommand("tunnel", "Manage tunnels through the admin API");
    cmd->require_subcommand(1);
    auto common = [&](CLI::App* sub) {
        f->admin.add_to(sub);
        config.add_option(sub);
        sub->add_flag("--json", f->json_output, "Print the raw JSON answer");
    };

    auto* create = cmd->add_subcommand("create", "Create a tunnel and print its token (shown once)");
    create->add_option("domain", f->domain, "Tunnel domain")->required();
    create->add_option("-n,--name", f->name, "Display name");
    create->add_option("-d,--description", f->description, "Description");
    create->add_option("-m,--mode", f->mode, "http (HTTP ingress) or tcp (its TCP port only)")
        ->check(CLI::IsMember({"http", "tcp"}));
    create->add_option("--tcp-port", f->tcp_port,
                       "A TCP port for the tunnel: a number or auto (within the server's --tcp-ports range)")
        ->check(CLI::Range(1, 65535) | CLI::IsMember({"auto"}));
    create->add_option("--udp-port", f->udp_port,
                       "A UDP port for the tunnel: a number or auto (within the server's --udp-ports range)")
        ->check(CLI::Range(1, 65535) | CLI::IsMember({"auto"}));
    common(create);
    create->callback([f, &exit_code, &config, create] {
        json::object body{{"domain", f->domain}};
        if (!f->name.empty()) body["name"] = f->name;
        if (!f->description.empty()) body["description"] = f->description;
        if (!f->mode.empty()) body["mode"] = f->mode;
        put_ports(*f, body);
        exit_code = call(*f, create, config, "POST", "/api/tunnels", json::serialize(body),
                         [&](const json::value& v, const std::string& server) {
            const auto& t = v.as_object();
            auto token = text_of(t.if_contains("token"));
            std::cout << "Created tunnel '" << text_of(t.if_contains("domain")) << "'.\n"
                      << "Token (shown once, store it now): " << token << "\n\n"
                      << "Connect with:\n  tunely connect --server " << ws_url_of(server) << " --token " << token
                      << " --target http://localhost:8090\n";
            print_port_addresses(server, t);
        });
    });

    auto* list = cmd->add_subcommand("list", "List tunnels");
    common(list);
    config.add_section("admin", list);  // every tunnel subcommand has the same admin options
    list->callback([f, &exit_code, &config, list] {
        exit_code = call(*f, list, config, "GET", "/api/tunnels", "", [](const json::value& v, const std::string&) {
            std::printf("%-24s %-10s %-8s %-10s %s\n", "DOMAIN", "STATUS", "ENABLED", "REQUESTS", "NAME");
            for (const auto& item : v.as_array()) {
                const auto& t = item.as_object();
                bool connected = t.at("connected").as_bool();
                std::printf("%-24s %-10s %-8s %-10s %s\n", text_of(t.if_contains("domain")).c_str(),
                            connected ? "online" : "offline", text_of(t.if_contains("enabled")).c_str(),
                            text_of(t.if_contains("total_requests")).c_str(), text_of(t.if_contains("name")).c_str());
            }
        });
    });

    auto* show = cmd->add_subcommand("show", "Show one tunnel");
    show->add_option("domain", f->domain, "Tunnel domain")->required();
    common(show);
    show->callback([f, &exit_code, &config, show] {
        exit_code = call(*f, show, config, "GET", "/api/tunnels/" + f->domain, "",
                         [](const json::value& v, const std::string&) { print_tunnel(v.as_object()); });
    });

    auto* update = cmd->add_subcommand("update", "Change a tunnel's name, description or enabled flag");
    update->add_option("domain", f->domain, "Tunnel domain")->required();
    update->add_option("-n,--name", f->name, "Display name");
    update->add_option("-d,--description", f->description, "Description");
    update->add_option("--enabled", f->enabled, "true or false")->check(CLI::IsMember({"true", "false"}));
    update->add_option("-m,--mode", f->mode, "http or tcp")->check(CLI::IsMember({"http", "tcp"}));
    update->add_option("--tcp-port", f->tcp_port, "A port, auto, or none (closes the tunnel's TCP port)")
        ->check(CLI::Range(1, 65535) | CLI::IsMember({"auto", "none"}));
    update->add_option("--udp-port", f->udp_port, "A port, auto, or none (closes the tunnel's UDP port)")
        ->check(CLI::Range(1, 65535) | CLI::IsMember({"auto", "none"}));
    common(update);
    update->callback([f, &exit_code, &config, update] {
        json::object body;
        if (!f->name.empty()) body["name"] = f->name;
        if (!f->description.empty()) body["description"] = f->description;
        if (!f->enabled.empty()) body["enabled"] = f->enabled == "true";
        if (!f->mode.empty()) body["mode"] = f->mode;
        put_ports(*f, body);
        exit_code = call(*f, update, config, "PUT", "/api/tunnels/" + f->domain, json::serialize(body),
                         [](const json::value& v, const std::string&) { print_tunnel(v.as_object()); });
    });

    auto* remove = cmd->add_subcommand("delete", "Delete a tunnel (its live client is disconnected)");
    remove->add_option("domain", f->domain, "Tunnel domain")->required();
    remove->add_flag("-y,--yes", f->yes, "Delete without asking (required when stdin is not a terminal)");
    common(remove);
    remove->callback([f, &exit_code, &config, remove] {
        if ((exit_code = confirm(f->yes, "delete tunnel '" + f->domain + "' (its token stops working)")) != 0) return;
        exit_code = call(*f, remove, config, "DELETE", "/api/tunnels/" + f->domain, "",
                         [&](const json::value&, const std::string&) {
                             std::cout << "Deleted tunnel '" << f->domain << "'.\n";
                         });
    });

    auto* rotate = cmd->add_subcommand("rotate-token", "Issue a new token (the old one stops working at once)");
    rotate->add_option("domain", f->domain, "Tunnel domain")->required();
    common(rotate);
    rotate->callback([f, &exit_code, &config, rotate] {
        exit_code = call(*f, rotate, config, "POST", "/api/tunnels/" + f->domain + "/regenerate-token", "",
                         [](const json::value& v, const std::string&) {
            std::cout << "New token (shown once): " << text_of(v.as_object().if_contains("token")) << "\n";
        });
    });
}

}  // namespace tunely::app
