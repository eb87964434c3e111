"""Test data for the catalog. Party rows are reached by app label (catalog never imports
`party`); catalog rows are made through the services where the behaviour matters."""

from __future__ import annotations

import itertools

import factory
from django.apps import apps

from omni.kernel.actors import Actor, ActorKind
from omni.kernel.scope import DataScope

from ..calculations import make_ean13
from ..models import Brand, Category, Product, Unit
from ..services import products as product_services

ADMIN = Actor.system("catalog-test")
_seq = itertools.count(1)


def actor(
    *perms: str, org_ids: tuple[int, ...] = (), everything: bool = False, name: str = "tester"
) -> Actor:
    """A user actor with exactly these permissions and this data scope."""
    return Actor(
        ActorKind.USER,
        900 + next(_seq),
        name,
        permissions=frozenset(perms),
        scope=DataScope(everything=everything, org_ids=frozenset(org_ids)),
    )


def party(model: str):
    return apps.get_model("party", model)


def tenancy(model: str):
    return apps.get_model("tenancy", model)


def make_org(code: str | None = None, parent=None, name: str = ""):
    Org = tenancy("Organization")
    code = code or f"ORG{next(_seq)}"
    org = Org.objects.create(
        code=code,
        name=name or code,
        kind="group" if parent is None else "subsidiary",
        parent=parent,
    )
    org.path = f"{parent.path if parent else '/'}{org.pk}/"
    Org.objects.filter(pk=org.pk).update(path=org.path)
    return org


def ean13(n: int, prefix: str = "690") -> str:
    body = f"{prefix}{n:09d}"[:12]
    return make_ean13(body)


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"U{n}")
    name = factory.LazyAttribute(lambda o: o.code)


class BrandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Brand

    org = factory.LazyFunction(lambda: make_org())
    code = factory.Sequence(lambda n: f"B{n:03d}")
    name = factory.Sequence(lambda n: f"品牌{n}")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        skip_postgeneration_save = True

    org = factory.LazyFunction(lambda: make_org())
    code = factory.Sequence(lambda n: f"C{n:03d}")
    name = factory.Sequence(lambda n: f"分类{n}")
    parent = None

    @factory.post_generation
    def set_path(obj, create, extracted, **kwargs):
        obj.path = f"{obj.parent.path if obj.parent else '/'}{obj.pk}/"
        Category.objects.filter(pk=obj.pk).update(path=obj.path)


def make_product(
    org,
    code: str | None = None,
    *,
    spec: dict | None = None,
    brand=None,
    category=None,
    unit=None,
    name: str | None = None,
    **kwargs,
) -> Product:
    unit = unit or UnitFactory(code="bottle", name="瓶")
    code = code or f"P{next(_seq):04d}"
    return product_services.create_product(
        actor=ADMIN,
        org_id=org.pk,
        code=code,
        name=name or f"商品{code}",
        base_unit_id=unit.pk,
        brand_id=brand.pk if brand else None,
        category_id=category.pk if category else None,
        spec_attributes=spec,
        **kwargs,
    )
