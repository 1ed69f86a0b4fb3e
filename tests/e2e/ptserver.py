"""The lab-side half of the guest's slimhv-pt-check and slimhv-bench
(initramfs/guest/): a TCP server on 127.0.0.1, which the guest reaches as
10.0.2.2 through QEMU's user-mode network, and the test data both sides
generate.

The server listens on a free port chosen by the kernel; the guest learns it
from the lab's DHCP server (Lab(net_opts=server.net_opts()) makes QEMU hand
out the boot file "slimhv-port=N"), so domain configurations need no port.

The protocol: the guest sends one request line and, for put and sink, a
body, then closes its half of the connection (busybox nc does on EOF of
its input); the server reads to EOF, answers and closes.
  get                       -> "payload SIZE SHA256\\n" and SIZE bytes
  put SHA256 SIZE SHA256B   the sha256 of the payload the guest got, and
                            SIZE bytes of gen_data("net-SEED", 16384)
                            whose sha256 is SHA256B -> "ok" or "bad: why"
  source N                  -> N zero bytes (the bench's net-rx)
  sink                      and any bytes -> "received N" (net-tx)
Every request is recorded in .events for the test to check.

By hand: `python3 tests/e2e/ptserver.py [PORT]` serves until Ctrl-C and
prints each request; then, in another terminal,
  scripts/lab.sh --native --append "slimhv.guest=ptcheck slimhv.port=PORT"
(or --net-opts bootfile=slimhv-port=PORT, or slimhv.guest=bench)."""

import hashlib
import os
import socket
import sys
import threading
import time

DATA_LINES = 65536   # /data.bin: 4 MiB
NET_LINES = 16384    # the guest's put payload: 1 MiB


def gen_data(seed, lines):
    """The guest's gen_data (initramfs/guest/slimhv.sh): line i is
    "slimhv-data SEED IIIIIIIIII " padded with '-' to 63 bytes, and '\\n'."""
    pad = "-" * (63 - len(f"slimhv-data {seed} {0:010d} "))
    return "".join(f"slimhv-data {seed} {i:010d} {pad}\n"
                   for i in range(lines)).encode()


def sha256(data):
    return hashlib.sha256(data).hexdigest()


class PtServer:
    def __init__(self, seed="slimhv", payload_size=1 << 20, port=0):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(8)
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        self.payload = os.urandom(payload_size)
        self.expect_put = gen_data(f"net-{seed}", NET_LINES)
        self.events = []
        self.cond = threading.Condition()
        self.stopping = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def net_opts(self):
        """For Lab(net_opts=...): the lab's DHCP server tells the guest."""
        return f"bootfile=slimhv-port={self.port}"

    def close(self):
        self.stopping = True
        self.thread.join(5)
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def of(self, cmd):
        with self.cond:
            return [e for e in self.events if e["cmd"] == cmd]

    def summary(self):
        """What the server saw, in order, in one line (for failures)."""
        with self.cond:
            events = list(self.events)
        out = []
        for e in events:
            if e["cmd"] == "connect":
                out.append("connection")
            elif e["cmd"] == "request":
                out.append(f"request {e['line']!r}")
            elif e["cmd"] == "put":
                out.append("put ok" if e["ok"] else f"put bad: {e['why']}")
            elif e["cmd"] in ("get", "source", "sink"):
                out.append(f"{e['cmd']} answered")
            else:
                out.append(f"{e['cmd']}: {e.get('why') or e.get('line')}")
        return ", ".join(out) or "nothing"

    def _record(self, event):
        with self.cond:
            self.events.append(event)
            self.cond.notify_all()

    def _serve(self):
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                break
            self._record({"cmd": "connect"})
            threading.Thread(target=self._handle, args=(conn,),
                             daemon=True).start()

    def _handle(self, conn):
        try:
            with conn:
                conn.settimeout(300)
                self._request(conn)
        except (OSError, ValueError) as e:
            self._record({"cmd": "error", "why": f"{type(e).__name__}: {e}"})

    def _request(self, conn):
        buf = b""
        while b"\n" not in buf and len(buf) < 512:
            data = conn.recv(4096)
            if not data:
                break
            buf += data
        line, _, rest = buf.partition(b"\n")
        words = line.decode("ascii", "replace").split()
        cmd = words[0] if words else ""
        self._record({"cmd": "request", "line": " ".join(words)[:80]})
        if cmd == "sink":
            t0 = time.monotonic()
            n = len(rest) + self._drain(conn)
            secs = time.monotonic() - t0
            conn.sendall(f"received {n}\n".encode())
            self._record({"cmd": "sink", "bytes": n, "secs": secs})
            return
        body = rest + self._read_all(conn, limit=64 << 20)
        if cmd == "get":
            conn.sendall(f"payload {len(self.payload)} {sha256(self.payload)}\n"
                         .encode() + self.payload)
            self._record({"cmd": "get"})
        elif cmd == "put" and len(words) == 4:
            why = self._check_put(words[1:], body)
            conn.sendall(b"ok\n" if not why else f"bad: {why}\n".encode())
            self._record({"cmd": "put", "ok": not why, "why": why,
                          "data": body})
        elif cmd == "source" and len(words) == 2 and words[1].isdigit():
            n = int(words[1])
            chunk = bytes(1 << 16)
            t0 = time.monotonic()
            left = n
            while left > 0:
                conn.sendall(chunk[:min(left, len(chunk))])
                left -= min(left, len(chunk))
            self._record({"cmd": "source", "bytes": n,
                          "secs": time.monotonic() - t0})
        else:
            conn.sendall(b"bad: unknown request\n")
            self._record({"cmd": "unknown", "line": line[:100]})

    def _check_put(self, args, body):
        got_sha, size, body_sha = args
        if got_sha != sha256(self.payload):
            return (f"the guest got a payload with sha256 {got_sha}, "
                    f"the server sent {sha256(self.payload)}")
        if not size.isdigit() or int(size) != len(body):
            return f"the guest announced {size} bytes and sent {len(body)}"
        if sha256(body) != body_sha:
            return "the body's sha256 is not the one announced"
        if body != self.expect_put:
            return "the body is not gen_data net-SEED"
        return ""

    @staticmethod
    def _read_all(conn, limit):
        chunks, n = [], 0
        while n <= limit:
            data = conn.recv(1 << 16)
            if not data:
                break
            chunks.append(data)
            n += len(data)
        return b"".join(chunks)

    @staticmethod
    def _drain(conn):
        n = 0
        while True:
            data = conn.recv(1 << 16)
            if not data:
                return n
            n += len(data)


def main():
    with PtServer(port=int(sys.argv[1]) if len(sys.argv) > 1 else 0) as server:
        print(f"ptserver: listening on 127.0.0.1:{server.port}; boot with\n"
              f"  scripts/lab.sh --native --append \"slimhv.guest=ptcheck "
              f"slimhv.port={server.port}\"", flush=True)
        seen = 0
        try:
            while True:
                with server.cond:
                    server.cond.wait(1)
                    new = server.events[seen:]
                    seen = len(server.events)
                for e in new:
                    shown = {k: (f"{len(v)} bytes" if isinstance(v, bytes) else v)
                             for k, v in e.items()}
                    print(f"ptserver: {shown}", flush=True)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
