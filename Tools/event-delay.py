#!/usr/bin/env python3
"""How long a node's finality takes to reach a GET /events subscriber (docs/PERFORMANCE.md).

Subscribes to block events on one node, stamps each event with this machine's wall clock as it
arrives, and subtracts the node's decision time (the event's time_ms + latency_ms: the block's
header time plus the decision's latency from it). Run it on the node's machine, while the chain
makes blocks (a `ratify bench finality` run, a localnet with traffic):

    Tools/event-delay.py --port 26657 --seconds 10

Prints the count and the p50, p90 and minimum delay in milliseconds.
"""
import argparse
import json
import socket
import sys
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True, help="the node's RPC port")
    parser.add_argument("--seconds", type=float, default=10.0)
    options = parser.parse_args()
    try:
        connection = socket.create_connection((options.host, options.port), timeout=5)
    except OSError as error:
        sys.exit(f"event-delay: cannot connect to {options.host}:{options.port}: {error}")
    request = f"GET /events?types=block HTTP/1.1\r\nHost: {options.host}\r\nAccept: text/event-stream\r\n\r\n"
    connection.sendall(request.encode())
    connection.settimeout(0.5)
    pending = b""
    delays = []
    deadline = time.time() + options.seconds
    while time.time() < deadline:
        try:
            chunk = connection.recv(65536)
        except socket.timeout:
            continue
        arrived_ms = time.time() * 1000
        if not chunk:
            break
        pending += chunk
        while b"\n\n" in pending:
            frame, pending = pending.split(b"\n\n", 1)
            for line in frame.split(b"\n"):
                if not line.startswith(b"data: "):
                    continue
                event = json.loads(line[len(b"data: "):])
                if event.get("latency_ms") is not None and "time_ms" in event:
                    delays.append(arrived_ms - (event["time_ms"] + event["latency_ms"]))
    if not delays:
        sys.exit("event-delay: no block events arrived; is the chain making blocks?")
    delays.sort()
    count = len(delays)
    print(f"blocks {count}  p50 {delays[count // 2]:.2f} ms  p90 {delays[int(count * 0.9)]:.2f} ms  min {delays[0]:.2f} ms")


if __name__ == "__main__":
    main()
