"""Demo channel for a beverage group: organisations, sales regions, 300 dealers, 60 stores.

Deterministic (seeded) and idempotent: everything is matched on its code, so a second run
creates nothing. Goes through the services, so every row is validated and audited.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from omni.kernel.actors import Actor
from omni.tenancy.selectors import organizations, regions, sales_regions
from omni.tenancy.services.organizations import create_organization
from omni.tenancy.services.regions import load_regions

from .models import Customer, CustomerClass, CustomerLevel
from .services import customers as customer_services
from .services.customers import CustomerData

SEED = 20261123

# subsidiary -> sales organisations -> provinces (GB/T 2260 codes)
STRUCTURE = {
    ("QQ-E", "清泉饮品(华东)有限公司"): [
        ("QQ-E-HS", "沪苏销售组织", ["310000", "320000"]),
        ("QQ-E-ZW", "浙皖销售组织", ["330000", "340000"]),
        ("QQ-E-LY", "鲁豫销售组织", ["370000", "410000"]),
    ],
    ("QQ-S", "清泉饮品(华南)有限公司"): [
        ("QQ-S-YG", "粤桂销售组织", ["440000", "450000"]),
        ("QQ-S-MG", "华中闽赣销售组织", ["350000", "360000", "430000", "420000"]),
    ],
}
CLASSES = [("L1", "一级经销商"), ("L2", "二级经销商"), ("STORE", "终端门店"), ("KA", "大客户")]
LEVELS = [("A", "A级", 1), ("B", "B级", 2), ("C", "C级", 3), ("D", "D级", 4)]
TRADE = [
    "恒达",
    "鑫源",
    "佳润",
    "汇丰",
    "顺发",
    "金穗",
    "华泰",
    "百川",
    "东升",
    "瑞丰",
    "宏图",
    "永辉",
    "嘉禾",
    "润泽",
    "天成",
    "万家",
    "福临",
    "兴隆",
    "盛世",
    "康源",
    "联华",
    "新纪元",
]
SUFFIX_L1 = ["商贸有限公司", "食品贸易有限公司", "饮品供应链有限公司"]
SUFFIX_L2 = ["饮品批发部", "贸易商行", "食品经营部", "副食品批发部"]
STORE_WORDS = ["便利店", "超市", "生活超市", "社区店", "烟酒便利店"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "华",
    "平",
]
MOBILE_PREFIXES = ["138", "139", "137", "136", "135", "150", "151", "158", "186", "187", "189"]
L1_PER_PROVINCE = 5
L2_PER_L1 = 4
STORES = 60


@dataclass
class PartyDemo:
    group_id: int = 0
    org_ids: dict[str, int] = field(default_factory=dict)
    sales_region_ids: dict[str, int] = field(default_factory=dict)
    sample_dealer_id: int = 0
    sample_store_id: int = 0
    created: dict[str, int] = field(default_factory=dict)


def _org(actor, code, name, kind, parent):
    existing = organizations().filter(code=code).first()
    if existing:
        return existing, 0
    return create_organization(
        actor=actor, code=code, name=name, kind=kind, parent_id=parent.pk if parent else None
    ), 1


def _person(rng: random.Random) -> tuple[str, str]:
    name = rng.choice(SURNAMES) + rng.choice(GIVEN)
    phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
    return name, phone


def load_party_demo(*, actor: Actor) -> PartyDemo:
    rng = random.Random(SEED)
    demo = PartyDemo()
    demo.created["regions"] = load_regions()
    orgs_created = 0
    group, n = _org(actor, "QQ", "清泉饮品集团", "group", None)
    orgs_created += n
    demo.group_id = group.pk
    for code, name in CLASSES:
        CustomerClass.objects.get_or_create(code=code, defaults={"name": name})
    for code, name, rank in LEVELS:
        CustomerLevel.objects.get_or_create(code=code, defaults={"name": name, "rank": rank})
    classes = {c.code: c.pk for c in CustomerClass.objects.all()}
    levels = [lv.pk for lv in CustomerLevel.objects.order_by("rank")]

    customers_created = 0
    sales_orgs: list[tuple[Any, list[str]]] = []
    for (sub_code, sub_name), sales in STRUCTURE.items():
        sub, n = _org(actor, sub_code, sub_name, "subsidiary", group)
        orgs_created += n
        for so_code, so_name, provinces in sales:
            so, n = _org(actor, so_code, so_name, "sales_org", sub)
            orgs_created += n
            demo.org_ids[so_code] = so.pk
            sales_orgs.append((so, provinces))
            area, _ = sales_regions().get_or_create(
                code=f"{so_code}-AREA",
                defaults={"org": so, "name": so_name.replace("销售组织", "大区"), "kind": "area"},
            )
            for prov in provinces:
                province = regions().get(pk=prov)
                district, made = sales_regions().get_or_create(
                    code=f"{so_code}-{prov[:2]}",
                    defaults={
                        "org": so,
                        "name": f"{province.name.rstrip('省市')}片区",
                        "kind": "district",
                        "parent": area,
                    },
                )
                if made:
                    district.regions.set([province])
                demo.sales_region_ids[prov] = district.pk
    demo.created["organizations"] = orgs_created

    existing = set(Customer.objects.values_list("code", flat=True))
    store_uppers: list[tuple[int, Any, str, int]] = []
    for so, provinces in sales_orgs:
        for prov in provinces:
            districts = list(
                regions()
                .filter(parent__parent_id=prov)
                .order_by("code")
                .values_list("code", "parent__name", "name")
            )
            if not districts:  # municipalities list districts under 市辖区 too; fall back to cities
                districts = list(
                    regions()
                    .filter(parent_id=prov)
                    .order_by("code")
                    .values_list("code", "name", "name")
                )
            for i in range(L1_PER_PROVINCE):
                d_code, city, _district = rng.choice(districts)
                city_label = city if city not in ("市辖区", "县") else regions().get(pk=prov).name
                code = f"D{prov[:2]}{i + 1:03d}"
                name = f"{city_label.rstrip('市')}{rng.choice(TRADE)}{rng.choice(SUFFIX_L1)}"
                l1, made = _customer(
                    actor,
                    existing,
                    code,
                    CustomerData(
                        name=name,
                        kind="distributor",
                        org_id=so.pk,
                        class_id=classes["L1"],
                        level_id=rng.choice(levels[:2]),
                        sales_region_id=demo.sales_region_ids[prov],
                        region_code=d_code,
                        invoice_title=name,
                    ),
                    rng,
                    status="active",
                )
                customers_created += made
                demo.sample_dealer_id = demo.sample_dealer_id or l1.pk
                for j in range(L2_PER_L1):
                    d2, city2, _ = rng.choice(districts)
                    city2 = city2 if city2 not in ("市辖区", "县") else city_label
                    code2 = f"{code}-{j + 1:02d}"
                    name2 = f"{city2.rstrip('市')}{rng.choice(TRADE)}{rng.choice(SUFFIX_L2)}"
                    l2, made = _customer(
                        actor,
                        existing,
                        code2,
                        CustomerData(
                            name=name2,
                            kind="dealer",
                            org_id=so.pk,
                            class_id=classes["L2"],
                            level_id=rng.choice(levels[1:]),
                            sales_region_id=demo.sales_region_ids[prov],
                            region_code=d2,
                            upper_id=l1.pk,
                        ),
                        rng,
                        status=rng.choice(["active"] * 8 + ["prospect", "frozen"]),
                    )
                    customers_created += made
                    store_uppers.append((l2.pk, so, d2, demo.sales_region_ids[prov]))
    for k in range(STORES):
        upper_id, so, d_code, sr = store_uppers[(k * 7) % len(store_uppers)]
        district = regions().get(pk=d_code)
        name = f"{district.name.rstrip('区县市')}{rng.choice(TRADE)}{rng.choice(STORE_WORDS)}"
        store, made = _customer(
            actor,
            existing,
            f"S{k + 1:04d}",
            CustomerData(
                name=name,
                kind="store",
                org_id=so.pk,
                class_id=classes["STORE"],
                level_id=levels[-1],
                sales_region_id=sr,
                region_code=d_code,
                upper_id=upper_id,
            ),
            rng,
            status="active",
        )
        customers_created += made
        demo.sample_store_id = demo.sample_store_id or store.pk
    demo.created["customers"] = customers_created
    return demo


def _customer(actor, existing, code, data: CustomerData, rng, *, status: str):
    name, phone = _person(rng)  # drawn even when it exists, to keep the sequence stable
    if code in existing:
        return Customer.objects.get(code=code), 0
    customer = customer_services.create_customer(actor=actor, code=code, data=data)
    customer_services.add_contact(
        actor=actor, customer_id=customer.pk, name=name, phone=phone, is_primary=True
    )
    if status != "prospect":
        customer_services.change_customer_status(
            actor=actor, customer_id=customer.pk, action="activate"
        )
    if status == "frozen":
        customer_services.change_customer_status(
            actor=actor, customer_id=customer.pk, action="freeze", reason="逾期未回款"
        )
    return customer, 1
