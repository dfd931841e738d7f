#pragma once
// Ordered HTTP header fields with repeats kept (set-cookie). Names compare
// case-insensitively; the original spelling is preserved on the wire.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tunely {

struct header_field {
    std::string name;
    std::string value;
    bool operator==(const header_field&) const = default;
};

class header_list {
public:
    using container = std::vector<header_field>;

    header_list() = default;
    header_list(std::initializer_list<header_field> fields) : fields_(fields) {}

    void add(std::string name, std::string value) {
        fields_.push_back({std::move(name), std::move(value)});
    }
    // First value of `name`, or nullptr.
    const std::string* find(std::string_view name) const noexcept;
    // Removes every field called `name`; returns how many were removed.
    std::size_t erase(std::string_view name);
    // Replaces all fields called `name` by one.
    void set(std::string name, std::string value);

    const container& fields() const noexcept { return fields_; }
    container& fields() noexcept { return fields_; }
    bool empty() const noexcept { return fields_.empty(); }
    std::size_t size() const noexcept { return fields_.size(); }
    auto begin() const noexcept { return fields_.begin(); }
    auto end() const noexcept { return fields_.end(); }
    bool operator==(const header_list&) const = default;

private:
    container fields_;
};

bool iequals(std::string_view a, std::string_view b) noexcept;
std::string to_lower(std::string_view s);

// Hop-by-hop fields (RFC 9110 §7.6.1) plus those named in `Connection`: a proxy
// must not forward them.
bool is_hop_by_hop(std::string_view name) noexcept;
void remove_hop_by_hop(header_list& headers);
// The comma-separated tokens of every Connection field (empty, without allocating, when there is none).
std::vector<std::string> connection_tokens(const header_list& headers);
// is_hop_by_hop() or named in `listed` (connection_tokens()): what remove_hop_by_hop() removes, for code that
// copies the end-to-end fields out without copying the list first.
bool is_hop_by_hop(std::string_view name, const std::vector<std::string>& listed) noexcept;

// The protocol an HTTP upgrade asks for (`Upgrade` when `Connection` lists
// "upgrade", e.g. "websocket"); empty when the message is no upgrade.
std::string upgrade_protocol(const header_list& headers);
// remove_hop_by_hop(), then `Connection: Upgrade` and `Upgrade: <protocol>`
// again when `protocol` is not empty: an upgrade must reach the next hop.
void keep_only_upgrade_hop_fields(header_list& headers, const std::string& protocol);

}  // namespace tunely
