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


#: A parent whose first worker burns 0.2 s and ends when told (a line on stdin); the
#: parent then forks a second that burns 0.1 s. Each reports its own process_time.
_REPLACE = """
import os, sys, time
def burn(seconds):
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass
def worker(seconds, hold):
    read, write = os.pipe()
    if os.fork() == 0:
        os.close(held)  # the worker ends with the parent too
        burn(seconds)
        os.write(write, f"{time.process_time()}\\n".encode())
        os.read(hold, 1)
        os._exit(0)
    return float(os.read(read, 64).decode())
hold, held = os.pipe()
first = worker(0.2, hold)
print(time.process_time(), first, sep="\\n", flush=True)
sys.stdin.readline()
os.write(held, b"x")  # the first worker ends
os.wait()
second = worker(0.1, hold)
print(time.process_time(), second, sep="\\n", flush=True)
time.sleep(60)
"""


def test_cpu_seconds_counts_a_replaced_worker_from_its_start() -> None:
    server = _serve._Server([sys.executable, "-c", _REPLACE])
    server.port = 1  # not a listening server: started here, not by start()
    server.process = subprocess.Popen(server.command, stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, text=True)
    try:
        assert server.process.stdout is not None and server.process.stdin is not None
        parent = float(server.process.stdout.readline())
        float(server.process.stdout.readline())
        time.sleep(0.05)
        before = server.cpu_seconds()
        server.process.stdin.write("\n")
        server.process.stdin.flush()
        parent_after = float(server.process.stdout.readline())
        second = float(server.process.stdout.readline())
        time.sleep(0.05)
        used = server.cpu_seconds() - before
        # The parent's own CPU since the first reading, and all of the new worker's:
        # a sum of every process's clock would have lost the first worker's 0.2 s.
        assert used == pytest.approx(parent_after - parent + second, abs=0.05)
        assert used > 0.05
    finally:
        server.stop()
        server.process.stdout.close()
        server.process.stdin.close()
