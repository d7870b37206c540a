"""Peak memory of `hygiene audit` on hostile inputs (issue 23): each file built here, each
audited in a fresh child process, its resident memory sampled.

    .venv/bin/python benchmarks/hostile_memory.py [--mb 100] [--keep DIR] [--only NAME,...]

The inputs (`--mb` sets the size of the first three):
- tiny_rows: an `Email` column of 100 MB of 4-byte rows ("k3Q\\n"): ~26M records, each an
  invalid address; the most records (and findings) a byte can buy.
- long_values: one `Email` column of 100 MB in 1,000 values of ~100 KB.
- wide: 16,384 columns (the most a file may have) of one-character cells, 100 MB.
- floor_rows: 900,000 such rows (3.4 MB): few records, but two findings each.
- narrow_list: a clean list of 1,000,000 distinct email addresses alone (~28 bytes a record,
  27 MB): legitimate, and thin; it must pass.
- zip_bomb: a Mailchimp-style ZIP whose member CSV unpacks to just under the 64 MB floor
  under which no ratio is applied, made of 4-byte rows, so it deflates several hundred times.

For each: exit code, the one-line error if any, seconds, and peak RSS in MB: the kernel's
high-water mark of the child (wait4's ru_maxrss), and the highest of the 20 ms RSS samples.
Peak memory of every hostile input must stay under 2 GB (README, "Limits and refusals").
"""

from __future__ import annotations

import argparse
import os
import string
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

LIMIT_MB = 2048.0
_ALPHABET = (string.ascii_letters + string.digits).encode()


def _tiny_block() -> bytes:
    """3 characters and a newline per row, every combination of the alphabet once."""
    a = _ALPHABET
    return b"".join(bytes((x, y, z, 10)) for x in a for y in a for z in a)


def tiny_rows(path: Path, size: int) -> None:
    block = _tiny_block()
    with open(path, "wb") as fh:
        fh.write(b"Email\n")
        written = 6
        while written < size:
            part = block[: min(len(block), size - written) // 4 * 4] or block[:4]
            fh.write(part)
            written += len(part)


def long_values(path: Path, size: int) -> None:
    rows = 1000
    width = max(1, size // rows - 1)
    with open(path, "wb") as fh:
        fh.write(b"Email\n")
        for i in range(rows):
            cell = (_ALPHABET[i % len(_ALPHABET) :] + _ALPHABET) * (width // len(_ALPHABET) + 1)
            fh.write(cell[:width] + b"\n")


def wide(path: Path, size: int) -> None:
    cols = 16_384
    header = ",".join(f"c{i}" for i in range(cols)).encode() + b"\n"
    row = b",".join([b"x"] * cols) + b"\n"
    with open(path, "wb") as fh:
        fh.write(header)
        for _ in range(max(1, (size - len(header)) // len(row))):
            fh.write(row)


def zip_bomb(path: Path, size: int) -> None:
    from hygiene.load.archive import RATIO_FLOOR

    unpacked = RATIO_FLOOR - (1 << 20)  # just under the floor: no ratio check applies
    block = _tiny_block()[: 4 << 12]  # 16 KB, inside deflate's 32 KB window: ~1000x
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf, zf.open(
        "subscribed_members_export_1.csv", "w"
    ) as fh:
        fh.write(b"Email Address\n")
        written = 14
        while written < unpacked:
            part = block[: min(len(block), unpacked - written) // 4 * 4] or block[:4]
            fh.write(part)
            written += len(part)


def floor_rows(path: Path, size: int) -> None:
    """900,000 records of 4 bytes each, every one two findings (the records the old record
    limit allowed whatever the bytes): the findings must be weighed, not only the records."""
    tiny_rows(path, 6 + 4 * 900_000)


def narrow_list(path: Path, size: int) -> None:
    """1,000,000 distinct, valid addresses under one `Email` header (`size` is ignored)."""
    domains = ("gmail.com", "yahoo.com", "outlook.com", "acme-corp.com", "web.de")
    with open(path, "w", encoding="ascii") as fh:
        fh.write("Email\n")
        for i in range(1_000_000):
            fh.write(f"person.{i:07d}@{domains[i % len(domains)]}\n")


BUILDERS: dict[str, tuple[str, Callable[[Path, int], None]]] = {
    "tiny_rows": ("tiny_rows.csv", tiny_rows),
    "floor_rows": ("floor_rows.csv", floor_rows),
    "long_values": ("long_values.csv", long_values),
    "wide": ("wide.csv", wide),
    "zip_bomb": ("audience.zip", zip_bomb),
    "narrow_list": ("narrow_list.csv", narrow_list),
}


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def audit(path: Path, out: Path) -> tuple[int, str, float, float, float]:
    """(exit code, last stderr line, seconds, ru_maxrss MB, highest sampled RSS MB)."""
    cmd = [sys.executable, "-m", "hygiene", "audit", f"crm={path}", "--out", str(out),
           "--no-history", "-q"]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sampled = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            sampled[0] = max(sampled[0], _rss_mb(proc.pid))
            done.wait(0.02)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    assert proc.stderr is not None
    err = proc.stderr.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(proc.pid, 0)
    done.set()
    thread.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    lines = [ln for ln in err.splitlines() if ln.strip()]
    last = lines[-1] if lines else ""
    return proc.returncode, last, seconds, usage.ru_maxrss / 1024, sampled[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=100.0, help="size of the CSV inputs")
    parser.add_argument("--keep", type=Path, help="build the files here and keep them")
    parser.add_argument("--only", default=",".join(BUILDERS), help="comma-separated names")
    args = parser.parse_args()
    size = int(args.mb * 1024**2)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        print(f"{'input':<12} {'MB':>7} {'exit':>4} {'seconds':>8} {'peak MB':>8} "
              f"{'sampled':>8}  message")
        worst = 0.0
        for name in args.only.split(","):
            file_name, build = BUILDERS[name]
            path = folder / file_name
            if not path.exists():
                build(path, size)
            code, line, seconds, peak, sampled = audit(path, Path(tmp) / f"out_{name}")
            worst = max(worst, peak)
            print(f"{name:<12} {path.stat().st_size / 1024**2:>7.1f} {code:>4} {seconds:>8.1f} "
                  f"{peak:>8.0f} {sampled:>8.0f}  {line[:120]}", flush=True)
        verdict = "under" if worst < LIMIT_MB else "OVER"
        print(f"highest peak {worst:.0f} MB: {verdict} the {LIMIT_MB:.0f} MB limit")


if __name__ == "__main__":
    main()
