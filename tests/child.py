"""Runs a hostile case in a child process, so that a crash (an allocator
abort, a panic that escapes) or a hang fails one test instead of killing the
run. The child's address space is capped, so an allocation sized by a
number from a file or an argument fails at once instead of swapping the
machine; its peak resident memory (VmHWM) is read from /proc and reported
with its result."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from typing import Any

# Far above what any case needs (tokkit and the three references loaded
# take some 300 MB of address space), far below a table sized by 2^32.
ADDRESS_SPACE = 6 << 30

PRELUDE = """
import json, sys

def peak_rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0

def outcome(call):
    try:
        value = call()
    # BaseException: a reference's Rust panic is a PanicException, which is
    # not an Exception (tiktoken's core panics on a rank file without a byte)
    except BaseException as e:
        return {"raised": type(e).__name__, "mro": [c.__name__ for c in type(e).__mro__],
                "message": str(e)}
    return {"value": value}

def report(result):
    print(json.dumps({"result": result, "peak_rss_mb": peak_rss_mb()}))
"""


@dataclass
class Child:
    """What a child process did: its exit code, the JSON it reported last
    (``None`` if it died first), its peak RSS in MB, and its stderr."""

    returncode: int
    result: Any
    peak_rss_mb: float
    stderr: str

    def check(self) -> Any:
        """The reported result, after asserting that the child exited cleanly."""
        assert self.returncode == 0, f"child died ({self.returncode}):\n{self.stderr[-3000:]}"
        return self.result


def _cap_address_space() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def run(code: str, timeout: float = 120) -> Child:
    """Runs ``code`` (which calls ``report(...)`` once) in a fresh Python; a
    timeout is a hang, and fails the calling test."""
    source = PRELUDE + textwrap.dedent(code)
    try:
        done = subprocess.run(
            [sys.executable, "-c", source],
            capture_output=True,
            text=True,
            timeout=timeout,
            preexec_fn=_cap_address_space,
        )
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"child hung for {timeout} s:\n{code}") from e
    lines = done.stdout.strip().splitlines()
    last = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}
    return Child(done.returncode, last.get("result"), last.get("peak_rss_mb", 0.0), done.stderr)
