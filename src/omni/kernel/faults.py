"""Fault points for crash tests: `faults.point("payment.settle.before_commit")` does nothing
unless the process was started with `OMNI_FAULTS`, e.g.

    OMNI_FAULTS="payment.settle.before_commit=kill-once:/tmp/x/killed"

`kill-once:PATH` kills the process with SIGKILL at that point the first time any process
reaches it (PATH is created first, holding the pid, so the retry that follows goes through):
a test can prove that a process dying mid-transaction leaves nothing half-done. Never
active in production (`OMNI_ENV=production`), whatever the environment says.
"""

from __future__ import annotations

import os
import signal

from django.conf import settings


def _armed() -> dict[str, str]:
    if getattr(settings, "OMNI_PRODUCTION", False):
        return {}
    spec = os.environ.get("OMNI_FAULTS", "")
    out = {}
    for item in filter(None, (s.strip() for s in spec.split(","))):
        name, _, action = item.partition("=")
        out[name.strip()] = action.strip()
    return out


def point(name: str) -> None:
    action = _armed().get(name)
    if not action:
        return
    kind, _, arg = action.partition(":")
    if kind == "kill-once" and arg:
        try:
            fd = os.open(arg, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        os.kill(os.getpid(), signal.SIGKILL)
