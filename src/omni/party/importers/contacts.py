"""``party.contacts_addresses``: one row per contact or delivery address of a customer in
the uploader's scope, as `ContactRow` / `AddressRow` commands for the contact service
(`services.contact_batch`), which holds every rule: a contact is the same when customer,
name and phone are, an address when customer, region, street and receiver are; those are
never created twice (position, phone and the default flag are updated). 默认=是 makes the
row the customer's only default. `contact_address_rows` gives the customers' entries in the
template's layout, so an exported file can be edited and imported again as it is.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from omni.kernel import excel
from omni.kernel.excel import Column, Row, RowError, SheetSpec

from ..models import Address, Contact, Customer
from ..services import contact_batch
from ..types import AddressRow, BatchResult, ContactRow, RowProblem
from ._cells import YES_NO, ServiceImporter, column_length, region_cell

CONTACT, ADDRESS = "contact", "address"
ENTRY_KINDS = {"联系人": CONTACT, "收货地址": ADDRESS}
ENTRY_LABELS = {v: k for k, v in ENTRY_KINDS.items()}

CONTACT_SPEC = SheetSpec(
    "联系人和地址",
    (
        Column(
            "customer_code",
            "客户编码",
            required=True,
            max_length=32,
            example="C-SH-001",
            note="须是您数据权限范围内的已有客户",
        ),
        Column(
            "kind",
            "类型",
            required=True,
            choices=tuple(ENTRY_KINDS),
            parse=excel.mapped(ENTRY_KINDS),
            example="收货地址",
        ),
        Column(
            "name",
            "姓名/收货人",
            required=True,
            max_length=min(column_length(Contact, "name"), column_length(Address, "receiver")),
            example="张三",
            note="联系人的姓名，或收货地址的收货人",
        ),
        Column("phone", "电话", required=True, parse=excel.as_text, example="13812345678"),
        Column(
            "position",
            "职务",
            max_length=column_length(Contact, "position"),
            note="仅联系人填写",
            example=None,
        ),
        Column(
            "region_code",
            "地区编码",
            parse=region_cell,
            example="310115",
            note="仅收货地址填写：6 位区县行政区划代码，省市由此确定",
        ),
        Column(
            "street",
            "详细地址",
            max_length=column_length(Address, "street"),
            example="张江路 100 号",
            note="仅收货地址填写",
            width=36,
        ),
        Column(
            "default",
            "默认",
            choices=tuple(YES_NO),
            parse=excel.mapped(YES_NO),
            example="是",
            note="是 = 该客户的默认联系人 / 默认收货地址（原默认自动取消）；留空 = 不变",
        ),
    ),
    notes=(
        "4. 每行一个联系人或一个收货地址。客户、姓名、电话相同的联系人，"
        "或客户、地区、详细地址、收货人相同的地址视为同一条，不会重复创建。",
    ),
)


# the cells a row of the other type leaves empty
ONLY_FOR = {CONTACT: ("position",), ADDRESS: ("region_code", "street")}
_COLUMNS = {"customer": "customer_code", "receiver": "name", "id": "customer_code"}
_REQUIRED = {"region": "收货地址须填写地区编码", "street": "收货地址须填写详细地址"}


def _command(row: Row) -> ContactRow | AddressRow:
    """A sheet row as a write command (the customer named by its code)."""
    v = row.values
    if v["kind"] == CONTACT:
        return ContactRow(
            v["customer_code"], v["name"] or "", v["phone"] or "", v["position"] or "", v["default"]
        )
    return AddressRow(
        v["customer_code"],
        v["region_code"] or "",
        v["street"] or "",
        v["name"] or "",
        v["phone"] or "",
        v["default"],
    )


def _reason(problem: RowProblem, rows: Sequence[Row]) -> str:
    """The service's problem (code and details) in the words of the sheet."""
    code, d = problem.code, problem.error.details
    if problem.field == "customer":
        return "客户编码不存在"
    if code in ("duplicate_contact", "duplicate_address"):
        return f"与第 {rows[d['row']].number} 行重复" if "row" in d else "已存在"
    if code == "several_defaults":
        what = "默认联系人" if d["kind"] == CONTACT else "默认收货地址"
        return f"同一客户只能有一个{what}（见第 {rows[d['row']].number} 行）"
    if code == "required" and problem.field in _REQUIRED:
        return _REQUIRED[problem.field]
    reasons = {
        "unknown_region": "地区编码不存在",
        "invalid_phone": "电话号码无效：请填写手机号或带区号的固定电话",
        "too_long": f"最多 {d.get('max_length')} 个字符",
        "required": "必填",
    }
    return reasons.get(code) or str(problem.error.message)


def row_errors(rows: Sequence[Row], problems: Sequence[RowProblem]) -> list[RowError]:
    """Cells of the other type filled in, then the service's problems, in the sheet's words."""
    h = CONTACT_SPEC.header
    errors: list[RowError] = []
    for row in rows:
        other = ADDRESS if row.values["kind"] == CONTACT else CONTACT
        what = "联系人行不填写此列" if other == ADDRESS else "收货地址行不填写此列"
        errors += [RowError(row.number, h(k), what) for k in ONLY_FOR[other] if row.values[k]]
    for p in problems:
        column = _COLUMNS.get(p.field, "region_code" if p.field == "region" else p.field)
        errors.append(RowError(rows[p.index].number, h(column), _reason(p, rows)))
    return errors


class ContactAddressImporter(ServiceImporter):
    """Rows become contact / address commands for the contact service."""

    label = _("Customer contacts and addresses")
    permission = "party.customer.import"
    spec = CONTACT_SPEC
    to_command = staticmethod(_command)
    validate = staticmethod(contact_batch.validate_contacts_addresses)
    apply_in_tx = staticmethod(contact_batch.apply_contacts_addresses_in_tx)
    row_errors = staticmethod(row_errors)

    def details(self, result: BatchResult) -> dict[str, int]:
        return dict(result.counts)


def contact_address_rows(customers: QuerySet[Customer]) -> Iterator[dict[str, Any]]:
    """Contacts, then addresses, of the customers in the template's layout."""
    ids = customers.values("pk")
    contacts = (
        Contact.objects.filter(customer_id__in=ids)
        .select_related("customer")
        .order_by("customer__code", "-is_primary", "pk")
    )
    for c in contacts.iterator(chunk_size=2000):
        yield {
            "customer_code": c.customer.code,
            "kind": ENTRY_LABELS[CONTACT],
            "name": c.name,
            "phone": c.phone,
            "position": c.position or None,
            "default": "是" if c.is_primary else "否",
        }
    addresses = (
        Address.objects.filter(customer_id__in=ids)
        .select_related("customer")
        .order_by("customer__code", "-is_default", "pk")
    )
    for a in addresses.iterator(chunk_size=2000):
        yield {
            "customer_code": a.customer.code,
            "kind": ENTRY_LABELS[ADDRESS],
            "name": a.receiver,
            "phone": a.phone,
            "region_code": a.district_id or a.city_id,
            "street": a.street,
            "default": "是" if a.is_default else "否",
        }
