"""Category tree (商品分类): create, rename, move (never under itself)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr

from omni.kernel import audit
from omni.kernel.actors import Actor

from .. import errors
from ..models import Category
from ..scoping import check_org_writable, check_row_writable, scoped
from ._common import (
    UNSET,
    clean_code,
    clean_text,
    create_with_code,
    get_for_update,
    reference,
    save_unique,
    set_code,
)

FIELDS = ("org", "code", "name", "parent", "path", "sort_order", "is_active")
MAX_DEPTH = 8


@transaction.atomic(durable=True)
def create_category(
    *,
    actor: Actor,
    org_id: int,
    code: str,
    name: str,
    parent_id: int | None = None,
    sort_order: int = 0,
) -> Category:
    actor.require("catalog.category.create")
    code = clean_code(code, model=Category)
    name = clean_text(name, field="name", max_length=60)
    check_org_writable(actor, org_id)
    parent = None
    if parent_id is not None:
        parent = reference(scoped(Category.objects.all(), actor), parent_id, "unknown_category")
        if parent.depth + 1 >= MAX_DEPTH:
            raise errors.invalid("category_cycle", reason="too_deep", max_depth=MAX_DEPTH)

    def create() -> Category:
        cat = Category.objects.create(
            org_id=org_id, code=code, name=name, parent=parent, sort_order=int(sort_order)
        )
        cat.path = f"{parent.path if parent else '/'}{cat.pk}/"
        Category.objects.filter(pk=cat.pk).update(path=cat.path)
        return cat

    category = create_with_code(Category, code, create)
    audit.record_created(actor, "catalog.category_created", category, FIELDS)
    return category


@transaction.atomic(durable=True)
def update_category(
    *,
    actor: Actor,
    category_id: int,
    code: Any = UNSET,
    name: Any = UNSET,
    sort_order: Any = UNSET,
    is_active: Any = UNSET,
    parent_id: Any = UNSET,
) -> Category:
    """Change a category; `parent_id` (None = make it a root) moves it with its subtree."""
    actor.require("catalog.category.edit")
    visible = scoped(Category.objects.all(), actor)
    category = get_for_update(visible, category_id, "category")
    check_row_writable(actor, category)
    before = audit.snapshot(category, FIELDS)
    if code is not UNSET:
        set_code(category, code)
    if name is not UNSET:
        category.name = clean_text(name, field="name", max_length=60)
    if sort_order is not UNSET:
        category.sort_order = int(sort_order)
    if is_active is not UNSET:
        category.is_active = bool(is_active)
    if parent_id is not UNSET and parent_id != category.parent_id:
        _move(category, parent_id, visible)
    save_unique(category)
    category.refresh_from_db()
    moved = category.parent_id != before["parent"]
    action = "catalog.category_moved" if moved else "catalog.category_updated"
    audit.record_updated(actor, action, category, before, FIELDS)
    return category


def _move(category: Category, parent_id: int | None, visible) -> None:
    parent = None
    if parent_id is not None:
        # Lock the new parent as well, then check for a cycle on freshly read paths: two
        # crossing moves (A under B, B under A) serialise here and the second one fails.
        parent = reference(visible.select_for_update(of=("self",)), parent_id, "unknown_category")
        category.refresh_from_db(fields=["path"])
        if parent.pk == category.pk or parent.path.startswith(category.path):
            raise errors.invalid("category_cycle", category_id=category.pk, parent_id=parent.pk)
    old_path = category.path
    new_path = f"{parent.path if parent else '/'}{category.pk}/"
    subtree = Category.objects.filter(path__startswith=old_path)
    deepest = max((p.count("/") for p in subtree.values_list("path", flat=True)), default=0)
    if deepest - old_path.count("/") + new_path.count("/") - 2 >= MAX_DEPTH:
        raise errors.invalid("category_cycle", reason="too_deep", max_depth=MAX_DEPTH)
    subtree.update(path=Concat(Value(new_path), Substr("path", len(old_path) + 1)))
    category.parent = parent
    category.path = new_path
