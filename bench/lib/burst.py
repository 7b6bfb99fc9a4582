#!/usr/bin/env python3
"""Opens N connections to 127.0.0.1:PORT at once and sorts the first line each gets within a deadline.

Prints one tab-separated line: peer, connections, greeted (220), refused (421 4.3.2), other reply,
no reply within the deadline, seconds until the last answer.
"""
import asyncio
import resource
import sys
import time


async def first_line(port: int, deadline: float) -> str:
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), deadline)
    except (OSError, asyncio.TimeoutError):
        return "none"
    try:
        line = await asyncio.wait_for(reader.readline(), deadline)
        return line.decode("ascii", "replace") if line else "none"
    except (OSError, asyncio.TimeoutError):
        return "none"
    finally:
        writer.close()


async def main() -> None:
    peer, port, count, deadline = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, count + 256)), hard))
    start = time.monotonic()
    last = 0.0

    async def one() -> str:
        nonlocal last
        line = await first_line(port, deadline)
        if line != "none":
            last = max(last, time.monotonic() - start)
        return line

    lines = await asyncio.gather(*(one() for _ in range(count)))
    greeted = sum(line.startswith("220 ") for line in lines)
    refused = sum(line.startswith("421 4.3.2 ") for line in lines)
    silent = sum(line == "none" for line in lines)
    print(f"{peer}\t{count}\t{greeted}\t{refused}\t{count - greeted - refused - silent}\t{silent}\t{last:.2f}")


asyncio.run(main())
