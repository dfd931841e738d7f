#pragma once
// Port ranges for the runtime-port tests (--tcp-ports, --udp-ports): `n` consecutive ports on 127.0.0.1
// that no TCP or UDP socket holds right now, below the kernel's ephemeral range (where the other tests'
// port-0 sockets land) and spread by process id (tests run in parallel, each in its own process).
#include <cstdint>
#include <utility>

namespace tunely::test {

// Throws when there is none.
std::pair<int, int> free_port_range(int n);

}  // namespace tunely::test
