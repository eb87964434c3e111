from __future__ import annotations

from django.db import transaction

from omni.kernel import audit
from omni.kernel.actors import Actor
from omni.kernel.errors import Conflict, InvalidInput

from ..models import User


@transaction.atomic(durable=True)
def create_user(
    *,
    actor: Actor,
    username: str,
    password: str,
    display_name: str = "",
    is_superuser: bool = False,
) -> User:
    username = username.strip()
    if not username or len(username) > 150:
        raise InvalidInput(details={"username": "required, at most 150 characters"})
    if len(password) < 8:
        raise InvalidInput(details={"password": "at least 8 characters"})
    if User.objects.filter(username=username).exists():
        raise Conflict("username_taken", details={"username": username})
    user = User(
        username=username,
        display_name=display_name,
        is_superuser=is_superuser,
        is_staff=is_superuser,
    )
    user.set_password(password)
    user.save()
    audit.record(
        actor=actor,
        action="access.user_created",
        object_type="access.user",
        object_id=user.pk,
        after={"username": username, "display_name": display_name, "is_superuser": is_superuser},
    )
    return user
