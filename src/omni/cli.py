"""The `omni` command: a thin front to Django's manage.py with Omni's own verbs first."""

from __future__ import annotations

import os
import sys

COMMANDS = {
    "up": ("up", "start the web server and the task worker together"),
    "serve": ("serve", "start the web server (http://127.0.0.1:8000)"),
    "worker": ("worker", "start a task worker (outbox, imports; Redis if OMNI_TASKS_URL)"),
    "migrate": ("migrate", "create or update the database tables"),
    "demo": ("demo", "load the demo brand (idempotent) and print the demo logins"),
    "createuser": ("createuser", "create a user: omni createuser NAME [--superuser]"),
    "bench": ("bench", "run a benchmark: omni bench NAME (omni bench --list)"),
    "check": ("integrity_check", "run every integrity check; non-zero exit on any finding"),
    "clock": ("clock", "business time on a demo/test instance: omni clock set|show|reset"),
}


def usage() -> str:
    lines = ["usage: omni COMMAND [options]", "", "commands:"]
    lines += [f"  {name:<11} {text}" for name, (_, text) in COMMANDS.items()]
    lines += [
        "",
        "Any other Django management command works too (omni shell, omni dbshell, ...).",
        "Settings come from the environment: DATABASE_URL (default: SQLite under var/),",
        "OMNI_TASKS_URL (redis://host:6379/0 for a Redis task queue; default: the database).",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omni.config.settings")
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(usage())
        return
    name = argv[0]
    if name in COMMANDS:
        argv[0] = COMMANDS[name][0]
    from django.core.management import execute_from_command_line

    execute_from_command_line(["omni", *argv])


if __name__ == "__main__":
    main()
