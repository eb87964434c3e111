"""Django's `flush`, with every app's append-only triggers (ledger postings, stock moves)
lifted while the whole database is wiped (test teardown, `omni flush`) and put back after."""

from __future__ import annotations

from typing import Any

from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections

from omni.inventory import triggers as inventory_triggers
from omni.kernel.append_only import run
from omni.ledger import triggers as ledger_triggers

APPS = (ledger_triggers, inventory_triggers)


class Command(FlushCommand):
    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        for app in APPS:
            run(connection, app.drop_sql(connection.vendor))
        try:
            super().handle(**options)
        finally:
            for app in APPS:
                run(connection, app.create_sql(connection.vendor))
