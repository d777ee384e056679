#!/usr/bin/env python3
"""Run a command with memory-deny-write-execute in force, to check it before enabling
MemoryDenyWriteExecute=yes in a unit (systemd cannot run units here: it is not PID 1).

    python3 systemd/run-under-mdwe.py .build/release/signd run --config signd.yaml

Uses prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN) (Linux >= 6.3), the kernel's form of the same rule:
no mapping may be writable and executable at once, nor become executable later. It is inherited by
children and kept across execve. A program that needs a JIT then fails with EACCES/EPERM from
mmap/mprotect (or crashes), where it would under the unit too.
"""
import ctypes
import os
import sys

PR_SET_MDWE = 65
PR_MDWE_REFUSE_EXEC_GAIN = 1


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 64
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0) != 0:
        err = ctypes.get_errno()
        print(f"prctl(PR_SET_MDWE) failed: {os.strerror(err)} (needs Linux >= 6.3)", file=sys.stderr)
        return 69
    os.execvp(sys.argv[1], sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
