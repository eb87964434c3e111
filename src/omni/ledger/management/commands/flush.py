"""Django's `flush`, with the ledger's append-only triggers lifted while the whole database
is wiped (test teardown, `omni flush`) and put back afterwards."""

from __future__ import annotations

from typing import Any

from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections

from ... import triggers


class Command(FlushCommand):
    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        triggers.run(connection, triggers.drop_sql(connection.vendor))
        try:
            super().handle(**options)
        finally:
            triggers.run(connection, triggers.create_sql(connection.vendor))
