"""The memory limit of a learner's interpreter, from the machine's memory and the head count.

Each learner costs a single-user server and a kernel process besides the interpreter (the
worker) their cells run in; GOKERNEL_MEMORY_LIMIT bounds the worker. The machine keeps a
reserve for the system, the hub and the proxy; the rest is shared out:

    limit = (total - reserve) / learners - SERVER_AND_KERNEL,   at most 4 GiB

A limit below MIN_LIMIT is refused: the room is too big for the machine.
"""

import re

MiB = 1 << 20
GiB = 1 << 30

# A learner's server (jupyterhub-singleuser with JupyterLab's server side) and kernel
# process, rounded up from what `make workshop-bench` measured with 30 learners (PSS:
# 107 MiB and 4.4 MiB; docs/benchmarks.md).
SERVER_AND_KERNEL = 128 * MiB
# The worker of a lesson that ran every cell stays well under this.
MIN_LIMIT = 256 * MiB
MAX_LIMIT = 4 * GiB


class SizingError(Exception):
    pass


def mem_total(meminfo="/proc/meminfo"):
    with open(meminfo, encoding="ascii") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    raise SizingError(f"no MemTotal in {meminfo}")


def reserve(total):
    """What stays for the system, the hub and the proxy: a tenth, at least 1 GiB."""
    return max(GiB, total // 10)


def worker_limit(total, learners):
    """The interpreter's limit for each of learners on a machine with total bytes."""
    if learners < 1:
        raise SizingError("the head count must be 1 or more")
    share = (total - reserve(total)) // learners
    limit = min(share - SERVER_AND_KERNEL, MAX_LIMIT)
    if limit < MIN_LIMIT:
        raise SizingError(
            f"{format_size(total)} of memory for {learners} learners leaves "
            f"{format_size(max(limit, 0))} for each learner's interpreter, below the "
            f"{format_size(MIN_LIMIT)} a lesson needs: plan for fewer learners, or choose "
            "the limit yourself with --memory-limit"
        )
    return limit


_SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([KMGT]i?B?|B)?\s*$", re.IGNORECASE)
_MULT = {"": 1, "B": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def parse_size(s):
    """Sizes as the kernel reads them: 512MiB, 2GiB, 1.5G, 300M, a number of bytes; off is
    0 (no limit). KB, MB, GB are powers of ten, as for the kernel."""
    if s.strip().lower() == "off":
        return 0
    m = _SIZE.match(s)
    if not m:
        raise SizingError(f"not a size: {s!r} (try 2GiB or 512MiB)")
    num, unit = float(m.group(1)), (m.group(2) or "").upper()
    if len(unit) == 2 and unit.endswith("B") and unit != "B":  # KB, MB, GB, TB
        return int(num * 1000 ** ("KMGT".index(unit[0]) + 1))
    return int(num * _MULT[unit[:1]])


def format_size(n):
    if n >= GiB:
        return f"{n / GiB:.1f} GiB"
    if n >= MiB:
        return f"{n // MiB} MiB"
    return f"{n // 1024} KiB"
