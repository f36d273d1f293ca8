"""CPU time of a process group, read from /proc: the benchmarks' meter of work done, which
a noisy machine moves far less than it moves seconds of wall time."""
from __future__ import annotations

import os
from pathlib import Path


def group_cpu_seconds(leader: int) -> float:
    """CPU seconds (user + system) used so far by every live process of ``leader``'s process
    group (a Process is its own group: gcloud's wrapper, its shell and the emulator's java)."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == leader:  # fields after the name: state, ppid, pgrp, ..., utime (12), stime (13)
            total += int(fields[11]) + int(fields[12])
    return total / tick
