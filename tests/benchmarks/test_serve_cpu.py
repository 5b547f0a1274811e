"""The serve group's CPU clock reads what each server process says it has used.

The oracle is the kernel's accounting as each process reads it of itself
(``time.process_time``): a server and a forked worker each burn CPU, report it,
and the benchmark's clock must sum the two.
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from benchmarks import _serve

pytestmark = pytest.mark.skipif(not _serve._CPU_CLOCKS,
                                reason="needs Linux's per-process CPU clocks and /proc")

#: A parent that forks one child; each burns about 0.2 s of CPU, prints its own
#: process_time, and then waits to be read.
_BURN = """
import os, sys, time
def burn():
    end = time.process_time() + 0.2
    while time.process_time() < end:
        pass
read, write = os.pipe()
hold, held = os.pipe()  # the child waits on it: it ends when the parent does
if os.fork() == 0:
    os.close(held)
    burn()
    os.write(write, f"{time.process_time()}\\n".encode())
    os.read(hold, 1)
    os._exit(0)
burn()
child = os.read(read, 64).decode()
print(time.process_time(), child, sep="\\n", flush=True)
time.sleep(60)
"""


def test_cpu_seconds_sums_the_server_and_its_workers() -> None:
    server = _serve._Server([sys.executable, "-c", _BURN])
    server.port = 1  # not a listening server: started here, not by start()
    server.process = subprocess.Popen(server.command, stdout=subprocess.PIPE, text=True)
    try:
        assert server.process.stdout is not None
        parent = float(server.process.stdout.readline())
        child = float(server.process.stdout.readline())
        time.sleep(0.05)  # both now asleep: their clocks stand still
        measured = server.cpu_seconds()
        assert measured == pytest.approx(parent + child, abs=0.05)
        assert measured > 0.35  # the child's share is in: the parent alone burnt about 0.2
    finally:
        server.stop()
        server.process.stdout.close()
