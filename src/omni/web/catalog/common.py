"""Plumbing shared by the catalog pages: the sub-navigation, the page context, the extra
permission check of pages that need more than one permission."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy

from omni.kernel.actors import Actor

SECTIONS = (
    ("products", gettext_lazy("Products"), "catalog.product.view", "catalog:products"),
    ("brands", gettext_lazy("Brands"), "catalog.brand.view", "catalog:brands"),
    ("categories", gettext_lazy("Categories"), "catalog.category.view", "catalog:categories"),
    ("units", gettext_lazy("Units of measure"), "catalog.unit.view", "catalog:units"),
    (
        "authorisation",
        gettext_lazy("Product authorisation"),
        "catalog.authorisation.view",
        "catalog:authorisation",
    ),
)


def sections(actor: Actor) -> list[tuple[str, Any, str]]:
    """(key, label, url) of the catalog pages this actor may open."""
    return [(key, label, reverse(name)) for key, label, perm, name in SECTIONS if actor.can(perm)]


def page(actor: Actor, section: str, **context: Any) -> dict[str, Any]:
    return {"active": "catalog", "section": section, "sections": sections(actor), **context}


def also_needs(actor: Actor, *permissions: str) -> None:
    """For pages behind `needs(a)` that also need every one of `permissions`: 404 without."""
    if not all(actor.can(p) for p in permissions):
        raise Http404
