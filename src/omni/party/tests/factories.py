"""Builders for party tests: a small but complete channel world."""

from __future__ import annotations

from dataclasses import dataclass

from django.test import Client

from omni.access.models import Role, RoleAssignment, User
from omni.kernel.actors import Actor
from omni.party.models import (
    Customer,
    CustomerClass,
    CustomerLevel,
)
from omni.party.services import customers as customer_services
from omni.party.services.customers import CustomerData, create_customer
from omni.tenancy.models import Organization, Region, SalesRegion
from omni.tenancy.services.organizations import create_organization

SYSTEM = Actor.system("test")


def ensure_regions() -> None:
    """A handful of real regions (the full table is loaded by `load_regions`)."""
    rows = [
        ("310000", "上海市", 1, None),
        ("310100", "市辖区", 2, "310000"),
        ("310115", "浦东新区", 3, "310100"),
        ("310104", "徐汇区", 3, "310100"),
        ("440000", "广东省", 1, None),
        ("440100", "广州市", 2, "440000"),
        ("440106", "天河区", 3, "440100"),
        ("440300", "深圳市", 2, "440000"),
        ("440305", "南山区", 3, "440300"),
    ]
    for code, name, level, parent in rows:
        Region.objects.get_or_create(
            code=code, defaults={"name": name, "level": level, "parent_id": parent}
        )


@dataclass
class World:
    group: Organization
    east: Organization  # subsidiary 华东
    south: Organization  # subsidiary 华南
    east_sales: Organization
    south_sales: Organization
    cls_l1: CustomerClass
    cls_store: CustomerClass
    level_a: CustomerLevel
    area_east: SalesRegion
    district_sh: SalesRegion
    area_south: SalesRegion
    sh_dealer: Customer  # L1 distributor in Shanghai (east)
    sh_store: Customer  # store ordering from sh_dealer
    gz_dealer: Customer  # L1 distributor in Guangzhou (south)


def org(code, name, kind, parent=None):
    return create_organization(
        actor=SYSTEM, code=code, name=name, kind=kind, parent_id=parent.pk if parent else None
    )


def customer(
    code,
    name,
    org_,
    *,
    kind="distributor",
    region="310115",
    sales_region=None,
    upper=None,
    cls=None,
    level=None,
    manager=None,
):
    return create_customer(
        actor=SYSTEM,
        code=code,
        data=CustomerData(
            name=name,
            kind=kind,
            org_id=org_.pk,
            region_code=region,
            sales_region_id=sales_region.pk if sales_region else None,
            upper_id=upper.pk if upper else None,
            class_id=cls.pk if cls else None,
            level_id=level.pk if level else None,
            account_manager_id=manager.pk if manager else None,
        ),
    )


def make_world() -> World:
    ensure_regions()
    group = org("G", "清泉饮品集团", "group")
    east = org("E", "华东子公司", "subsidiary", group)
    south = org("S", "华南子公司", "subsidiary", group)
    east_sales = org("E-SO", "华东销售部", "sales_org", east)
    south_sales = org("S-SO", "华南销售部", "sales_org", south)
    cls_l1 = CustomerClass.objects.create(code="L1", name="一级经销商")
    cls_store = CustomerClass.objects.create(code="STORE", name="终端门店")
    level_a = CustomerLevel.objects.create(code="A", name="A级", rank=1)
    area_east = SalesRegion.objects.create(org=east, code="AREA-E", name="华东大区", kind="area")
    district_sh = SalesRegion.objects.create(
        org=east, code="DIST-SH", name="上海片区", kind="district", parent=area_east
    )
    area_south = SalesRegion.objects.create(org=south, code="AREA-S", name="华南大区", kind="area")
    sh_dealer = customer(
        "C-SH-001",
        "上海浦江商贸有限公司",
        east_sales,
        sales_region=district_sh,
        cls=cls_l1,
        level=level_a,
    )
    sh_store = customer(
        "C-SH-S01",
        "徐汇便利店",
        east_sales,
        kind="store",
        region="310104",
        sales_region=district_sh,
        upper=sh_dealer,
        cls=cls_store,
    )
    gz_dealer = customer(
        "C-GZ-001",
        "广州天河饮品批发部",
        south_sales,
        region="440106",
        sales_region=area_south,
        cls=cls_l1,
    )
    return World(
        group,
        east,
        south,
        east_sales,
        south_sales,
        cls_l1,
        cls_store,
        level_a,
        area_east,
        district_sh,
        area_south,
        sh_dealer,
        sh_store,
        gz_dealer,
    )


def user_with(
    username: str,
    permissions: list[str],
    scope_kind: str,
    *,
    org=None,
    regions=(),
    customers=(),
    customer=None,
) -> User:
    user = User.objects.create_user(username, password="pass-12345678", customer=customer)
    role, _ = Role.objects.get_or_create(
        code=f"r-{username}", defaults={"name": username, "permissions": permissions}
    )
    assignment = RoleAssignment.objects.create(user=user, role=role, scope_kind=scope_kind, org=org)
    assignment.sales_regions.set(regions)
    assignment.customers.set(customers)
    return user


# What a user administrator holds (the access pages and API tests log in with it).
USER_ADMIN = [
    "access.user.view",
    "access.user.create",
    "access.user.edit",
    "access.role.view",
    "access.role.create",
    "access.role.edit",
]


def client_for(user: User) -> Client:
    """A test client logged in as `user`."""
    client = Client()
    client.force_login(user)
    return client


ADDRESS_DEFAULTS = {"district_code": "310115", "receiver": "王五", "phone": "13712345678"}


def add_address(customer: Customer, *, actor: Actor = SYSTEM, **fields: object):
    """An address of `customer` through the service: Shanghai Pudong, 王五, 13712345678 unless
    `fields` say otherwise (street is required)."""
    return customer_services.add_address(
        actor=actor, customer_id=customer.pk, **{**ADDRESS_DEFAULTS, **fields}
    )
