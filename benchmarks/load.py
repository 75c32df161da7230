"""A small HTTP/1.1 load generator for the serve benchmark: the same client for both sides.

    python benchmarks/load.py PORT REQUEST_FILE [--connections 8] [--seconds 2]

``REQUEST_FILE`` holds one complete HTTP request (headers and body); it is sent again and
again over ``--connections`` keep-alive connections to 127.0.0.1:PORT for ``--seconds``.
Every answer must be ``200`` (anything else stops the run); a server that closes the
connection (``Connection: close``) gets a new one. Prints one JSON line:
``{"requests": n, "rps": …, "p50_ms": …, "p99_ms": …}``. asyncio streams and a
Content-Length reader, nothing else, so the client costs as little CPU as it can in Python
(it shares the machine with the server).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time


async def _connection(port: int, request: bytes, stop: float, latencies: list[float]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    close = False
    try:
        while True:
            start = time.perf_counter()
            if start >= stop:
                return
            if close:  # the server closed it (no keep-alive): a new connection, timed with this request
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = head[9:12]
            if status != b"200":
                raise SystemExit(f"answer {status.decode()}: {head[:200]!r}")
            length, close = 0, False
            for line in head.lower().split(b"\r\n"):
                if line.startswith(b"content-length:"):
                    length = int(line[15:])
                elif line.startswith(b"connection:") and b"close" in line:
                    close = True
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - start)
    finally:
        writer.close()


async def _run(port: int, request: bytes, connections: int, seconds: float) -> dict[str, float]:
    latencies: list[float] = []
    begin = time.perf_counter()
    stop = begin + seconds
    await asyncio.gather(*(_connection(port, request, stop, latencies) for _ in range(connections)))
    elapsed = time.perf_counter() - begin
    latencies.sort()
    n = len(latencies)
    return {
        "requests": n,
        "rps": n / elapsed,
        "p50_ms": latencies[n // 2] * 1000 if n else 0.0,
        "p99_ms": latencies[min(n - 1, int(n * 0.99))] * 1000 if n else 0.0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("port", type=int)
    parser.add_argument("request_file")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    with open(args.request_file, "rb") as f:
        request = f.read()
    result = asyncio.run(_run(args.port, request, args.connections, args.seconds))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
