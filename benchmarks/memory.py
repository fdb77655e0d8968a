"""Peak resident memory of a server and the worker processes it forked (Linux /proc)."""

from pathlib import Path
from typing import List


def process_tree(pid: int) -> List[int]:
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in task.read_text().split():
            pids.extend(process_tree(int(child)))
    return pids


def peak_rss_kb_per_process(pid: int) -> List[int]:
    """The high-water-mark RSS (VmHWM) of `pid` and of each of its descendants, in kB."""
    peaks = []
    for member in process_tree(pid):
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except FileNotFoundError:  # exited meanwhile
            continue
        peaks.append(next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0))
    return peaks


def peak_rss_mb(pid: int) -> float:
    """Sum of the high-water-mark RSS of `pid` and its descendants (e.g. Sanic workers), in MB."""
    return round(sum(peak_rss_kb_per_process(pid)) / 1024, 1)


def largest_peak_rss_mb(pid: int) -> float:
    """The high-water-mark RSS of the largest process among `pid` and its descendants, in MB."""
    return round(max(peak_rss_kb_per_process(pid), default=0) / 1024, 1)
