"""Deterministic demo data. Every loader matches on natural keys, so re-running is a no-op."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from omni.access.models import User
from omni.kernel import audit
from omni.kernel.actors import Actor

DEMO_PASSWORD = "omni-demo-2026"


@dataclass
class DemoSummary:
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)

    def render(self) -> str:
        lines = [
            "Demo data loaded: "
            + (", ".join(f"{k} +{v}" for k, v in self.created.items()) or "nothing new")
        ]
        lines.append(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        lines += [f"  {u:<14} {role}  {name}" for u, name, role in self.logins]
        return "\n".join(lines)


DEMO_USERS = [
    ("admin", "系统管理员", "administrator", True),
]


@transaction.atomic(durable=True)
def load_demo() -> DemoSummary:
    actor = Actor.system("omni demo")
    summary = DemoSummary()
    created = 0
    for username, name, role, superuser in DEMO_USERS:
        user, was_created = User.objects.get_or_create(
            username=username,
            defaults={"display_name": name, "is_superuser": superuser, "is_staff": superuser},
        )
        if was_created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            audit.record(
                actor=actor,
                action="access.user_created",
                object_type="access.user",
                object_id=user.pk,
                after={"username": username, "display_name": name},
            )
            created += 1
        summary.logins.append((username, name, role))
    summary.created["users"] = created
    return summary
