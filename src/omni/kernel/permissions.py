"""The registry of functional permissions (功能权限): "module.action" strings.

Each app declares its modules in its own ``permissions.py`` (autodiscovered)::

    register_module("catalog.product", _("Products"), ["view", "edit", "export"])

Roles (in `omni.access`) may only hold registered permissions; services check them with
``actor.require("catalog.product.edit")``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

STANDARD_ACTIONS = ("view", "create", "edit", "approve", "export", "delete")
ACTION_LABELS = {
    "view": "查看",
    "create": "新建",
    "edit": "编辑",
    "approve": "审核",
    "export": "导出",
    "delete": "删除",
    "import": "导入",
}


@dataclass(frozen=True)
class PermissionModule:
    key: str
    label: Any
    actions: tuple[str, ...]

    def permissions(self) -> list[str]:
        return [f"{self.key}.{a}" for a in self.actions]


_modules: dict[str, PermissionModule] = {}


def register_module(key: str, label: Any, actions: Iterable[str] = STANDARD_ACTIONS) -> None:
    _modules[key] = PermissionModule(key, label, tuple(actions))


def modules() -> list[PermissionModule]:
    return [_modules[k] for k in sorted(_modules)]


def all_permissions() -> set[str]:
    return {p for m in _modules.values() for p in m.permissions()}


def unknown_permissions(perms: Iterable[str]) -> list[str]:
    known = all_permissions()
    return sorted(p for p in perms if p not in known)
