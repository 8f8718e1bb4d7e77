#pragma once
// Loopback networking helpers for integration tests. Everything is 127.0.0.1 only.

#include <chrono>

namespace kwb::testing {

// A port that was free on 127.0.0.1 a moment ago (bound to port 0, read back, closed). Another
// process could take it before the caller binds; tests start one server per port right away.
int pick_free_port();

// Polls until a TCP connection to 127.0.0.1:port succeeds, or the timeout passes.
bool wait_for_port(int port, std::chrono::milliseconds timeout);

// True if nothing accepts on 127.0.0.1:port right now.
bool port_is_closed(int port);

}  // namespace kwb::testing
