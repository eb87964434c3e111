"""`omni clock set|show|reset`: move business time on a demo or test instance.

    omni clock set 2030-03-01T09:00+08:00            travel: time runs on from that point
    omni clock set 2030-03-01T09:00+08:00 --freeze   stays at that instant
    omni clock show
    omni clock reset                                 back to wall time

Refused (exit status 1) in production mode (OMNI_ENV=production). See omni.kernel.clock.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from omni.kernel import clock
from omni.kernel.actors import Actor
from omni.kernel.errors import DomainError


def _local(value: dt.datetime) -> str:
    return timezone.localtime(value, timezone.get_default_timezone()).isoformat(timespec="seconds")


class Command(BaseCommand):
    help = "Show, set or reset the business clock (demo and test instances only)."
    requires_system_checks: list[str] = []  # quick, and refuses in production before any work

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        set_ = sub.add_parser("set", help="move business time to an ISO 8601 time")
        set_.add_argument("at", help="e.g. 2030-03-01T09:00+08:00 (no offset: Asia/Shanghai)")
        set_.add_argument(
            "--freeze", action="store_true", help="stay at that instant instead of running on"
        )
        sub.add_parser("show", help="print business time and whether it was moved")
        sub.add_parser("reset", help="go back to wall time")

    def handle(self, *args, action, **options):
        actor = Actor.system("omni clock")
        try:
            if action == "set":
                try:
                    at = clock.parse(options["at"])
                except ValueError as exc:
                    raise CommandError(str(exc)) from exc
                clock.set_business_time(actor=actor, at=at, frozen=options["freeze"])
            elif action == "reset":
                clock.reset_business_time(actor=actor)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        self._show()

    def _show(self) -> None:
        s = clock.state()
        mode = "production instance: it cannot be set" if s.production else "demo/test instance"
        if not s.adjusted:
            self.stdout.write(f"business time {_local(s.now)} (wall time; {mode})")
            return
        how = "frozen" if s.frozen else "running"
        self.stdout.write(
            f"business time {_local(s.now)} ({how}, {_offset(s.offset)} from wall time "
            f"{_local(s.wall_now)}; set by {s.set_by or '?'})"
        )


def _offset(delta: dt.timedelta) -> str:
    sign = "-" if delta < dt.timedelta(0) else "+"
    seconds = int(abs(delta).total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{days}d {hours:02d}:{minutes:02d}:{secs:02d}"
