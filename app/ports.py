"""A free TCP port on loopback, for the servers the program starts itself (the embedded PostgreSQL on Windows) and
those the tests start."""

import socket


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
