"""Peak resident memory of a server and the worker processes it forked (Linux /proc)."""

from pathlib import Path
from typing import List


def process_tree(pid: int) -> List[int]:
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in task.read_text().split():
            pids.extend(process_tree(int(child)))
    return pids


def peak_rss_mb(pid: int) -> float:
    """Sum of the high-water-mark RSS (VmHWM) of `pid` and its descendants, in MB."""
    total_kb = 0
    for member in process_tree(pid):
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except FileNotFoundError:  # exited meanwhile
            continue
        total_kb += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)
    return round(total_kb / 1024, 1)
