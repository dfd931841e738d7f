#pragma once
// Protocol 1.1 carries headers as a string→string map: repeated fields are
// joined with ", " (cookie with "; "); set-cookie cannot be joined, so only the
// first is kept (spec/PROTOCOL.md §1.7).
#include "tunely/core/header_list.hpp"

namespace tunely::protocol::v1 {

inline header_list fold_for_v1(const header_list& in) {
    header_list out;
    for (const auto& f : in) {
        bool merged = false;
        for (auto& o : out.fields()) {
            if (!iequals(o.name, f.name)) continue;
            merged = true;
            if (iequals(f.name, "set-cookie")) break;
            o.value += iequals(f.name, "cookie") ? "; " : ", ";
            o.value += f.value;
            break;
        }
        if (!merged) out.add(f.name, f.value);
    }
    return out;
}

}  // namespace tunely::protocol::v1
