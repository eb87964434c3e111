"""`omni createuser USERNAME`: create a user (password from --password or a prompt)."""

from __future__ import annotations

import getpass

from django.core.management.base import BaseCommand, CommandError

from omni.access.services.users import create_user
from omni.kernel.actors import Actor
from omni.kernel.errors import DomainError


class Command(BaseCommand):
    help = "Create a user who can log in to the console and the API."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--password")
        parser.add_argument("--display-name", default="")
        parser.add_argument("--superuser", action="store_true")

    def handle(self, *args, username, password, display_name, superuser, **options):
        password = password or getpass.getpass("Password: ")
        try:
            user = create_user(
                actor=Actor.system("omni createuser"),
                username=username,
                password=password,
                display_name=display_name,
                is_superuser=superuser,
            )
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message} {exc.details}") from exc
        self.stdout.write(f"created user {user.username} (id {user.pk})")
