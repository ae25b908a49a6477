#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A worm-like connect scanner, as Code Red and Blaster were: SLOTS threads,
each connecting to the next address of a /24 on PORT with blocking sockets
and the operating system's default timeouts, sending a Code Red-like
request when connected and reading the answer. Runs for SECONDS, then
writes one line per probe to OUT:
    start end outcome        (seconds since the scan began)
where outcome is refused, timeout, answered, closed, error, or stuck (still
running when the scan ended; end is then the scan's end).

Usage: scanner.py NET PORT SLOTS SECONDS OUT    (NET as 10.9.1)"""

import socket
import sys
import threading
import time

net, port, slots, seconds, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
REQUEST = b"GET /default.ida?" + b"N" * 224 + b" HTTP/1.0\r\n\r\n"

lock = threading.Lock()
next_host = 0
done = []  # (start, end, outcome)
running = {}  # slot -> start of its current probe
t0 = time.monotonic()


def probe(addr):
    s = socket.socket()
    try:
        s.connect((addr, port))
        s.sendall(REQUEST)
        return "answered" if s.recv(4096) else "closed"
    except ConnectionRefusedError:
        return "refused"
    except TimeoutError:
        return "timeout"
    except OSError:
        return "error"
    finally:
        s.close()


def slot(number):
    global next_host
    while True:
        with lock:
            host = next_host % 254 + 1
            next_host += 1
            start = time.monotonic() - t0
            running[number] = start
        outcome = probe(f"{net}.{host}")
        with lock:
            done.append((start, time.monotonic() - t0, outcome))
            del running[number]


for number in range(slots):
    threading.Thread(target=slot, args=(number,), daemon=True).start()
time.sleep(seconds)
with lock:
    end = time.monotonic() - t0
    completed = list(done)
    rows = completed + [(start, end, "stuck") for start in running.values()]
with open(out, "w") as f:
    f.write("start\tend\toutcome\n")
    for start, stop, outcome in sorted(rows):
        f.write(f"{start:.3f}\t{stop:.3f}\t{outcome}\n")
print(f"scanner {net}.0/24: {len(completed)} probes completed in {end:.0f} s, "
      f"{len(rows) - len(completed)} slots stuck at the end", flush=True)
