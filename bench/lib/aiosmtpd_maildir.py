#!/usr/bin/python3
"""A benchmark peer: Python's aiosmtpd taking mail into one Maildir.

Usage: aiosmtpd_maildir.py HOST PORT MAILDIR

Each message is written to MAILDIR/tmp, fsynced, renamed into MAILDIR/new and new/ is fsynced
before the 250, the same promise Herald makes; it has no queue and nothing to deliver later.
The disk work runs in a thread pool so that one session's fsync does not stall the event loop.
Runs until SIGTERM or SIGINT.
"""

import asyncio
import itertools
import os
import signal
import socket
import sys

from aiosmtpd.smtp import SMTP

_sequence = itertools.count()


def _write_maildir(maildir: str, content: bytes) -> None:
    name = f"{int.from_bytes(os.urandom(4), 'big'):08x}.P{os.getpid()}Q{next(_sequence)}.{socket.gethostname()}"
    tmp = os.path.join(maildir, "tmp", name)
    with open(tmp, "wb") as file:
        file.write(content)
        file.flush()
        os.fsync(file.fileno())
    os.rename(tmp, os.path.join(maildir, "new", name))
    directory = os.open(os.path.join(maildir, "new"), os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


class MaildirHandler:
    def __init__(self, maildir: str) -> None:
        self._maildir = maildir

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, _write_maildir, self._maildir, envelope.original_content)
        return "250 2.0.0 Ok"


async def main(host: str, port: int, maildir: str) -> None:
    for sub in ("tmp", "new", "cur"):
        os.makedirs(os.path.join(maildir, sub), exist_ok=True)
    handler = MaildirHandler(maildir)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler, hostname="aiosmtpd.bench.test"), host, port)
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with server:
        await stop.wait()


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: aiosmtpd_maildir.py HOST PORT MAILDIR")
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
