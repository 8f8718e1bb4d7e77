"""What the bench scripts share for the servers they start on 127.0.0.1: a free port, and waiting
until the server accepts connections (or has died)."""
import socket
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_listening(port, process, timeout_s, what):
    """Returns once 127.0.0.1:port accepts a connection; RuntimeError if `process` exits first or
    timeout_s passes."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"{what} did not start")
            time.sleep(0.05)
