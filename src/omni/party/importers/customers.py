"""``party.customers``: one row per customer, matched on 客户编码, as `CustomerRow`
commands for the customer service (`services.customer_batch`), which holds every rule.

A new code creates a customer (a prospect), a known one is updated where the file
differs, and a row that is already as in the file writes nothing. The file is the truth
for every column of the template: an empty cell clears the field (the account manager, not
in the template, is never touched). `customer_rows` gives a queryset's customers in the
template's layout, so an exported file can be edited and imported again as it is.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from omni.kernel import excel
from omni.kernel.excel import Column, Row, RowError, SheetSpec

from ..calculations import MAX_CHAIN
from ..models import Customer
from ..services import customers as customer_services
from ..types import CustomerRow, RowProblem
from ..validation import MAX_TAGS
from ._cells import (
    EXAMPLE_TAX,
    KIND_LABELS,
    KINDS,
    OUT_OF_SCOPE,
    ServiceImporter,
    code_cell,
    column_length,
    region_cell,
    tags_cell,
    tax_number_cell,
)

CUSTOMER_SPEC = SheetSpec(
    "客户",
    (
        Column(
            "code",
            "客户编码",
            required=True,
            max_length=32,
            parse=code_cell("客户编码"),
            code=True,
            example="C-SH-001",
            note="按客户编码匹配：已存在则更新，不存在则新建（新客户为潜在客户）",
        ),
        Column(
            "name",
            "客户名称",
            required=True,
            max_length=column_length(Customer, "name"),
            example="上海浦江商贸有限公司",
        ),
        Column(
            "short_name",
            "简称",
            max_length=column_length(Customer, "short_name"),
            example="浦江商贸",
        ),
        Column(
            "kind",
            "客户类型",
            required=True,
            choices=tuple(KINDS),
            parse=excel.mapped(KINDS),
            example="一级经销商",
        ),
        Column(
            "org_code",
            "所属组织编码",
            required=True,
            max_length=32,
            example="E-SO",
            note="须在您的数据权限范围内",
        ),
        Column("class_code", "客户分类编码", max_length=32, example="L1"),
        Column("level_code", "客户级别编码", max_length=32, example="A"),
        Column("sales_region_code", "销售区域编码", max_length=32, example="DIST-SH"),
        Column(
            "region_code",
            "所在地区编码",
            parse=region_cell,
            example="310115",
            note="6 位行政区划代码（区县），例如 310115 = 上海市浦东新区",
        ),
        Column(
            "upper_code",
            "上级客户编码",
            max_length=32,
            note="向其进货的上级经销商：须属于同一组织，且是一级或二级经销商；"
            "可以是本文件中的其他行；留空 = 向品牌方进货",
        ),
        Column(
            "tags",
            "标签",
            parse=tags_cell,
            example="重点客户,华东",
            note=f"多个用逗号分隔，最多 {MAX_TAGS} 个",
        ),
        Column(
            "invoice_title",
            "开票抬头",
            max_length=column_length(Customer, "invoice_title"),
            example="上海浦江商贸有限公司",
        ),
        Column(
            "tax_number",
            "税号",
            parse=tax_number_cell,
            example=EXAMPLE_TAX,
            note="18 位统一社会信用代码",
            width=22,
        ),
    ),
    notes=(
        "4. 文件即准确内容：已有客户的选填列留空会清空该字段。",
        "5. 上级客户与本客户须属于同一组织；终端门店和大客户不能作为上级客户；"
        f"上级链条不能形成循环，最多 {MAX_CHAIN} 级。",
    ),
)


def _command(row: Row) -> CustomerRow:
    """A sheet row as a write command (codes name the references)."""
    v = row.values
    return CustomerRow(
        code=v["code"],
        name=v["name"] or "",
        kind=v["kind"],
        org=v["org_code"] or None,
        short_name=v["short_name"] or "",
        customer_class=v["class_code"] or None,
        level=v["level_code"] or None,
        sales_region=v["sales_region_code"] or None,
        region_code=v["region_code"] or "",
        upper=v["upper_code"] or None,
        tags=tuple(v["tags"] or ()),
        invoice_title=v["invoice_title"] or "",
        tax_number=v["tax_number"] or "",
    )


# the column of a command's field
_COLUMNS = {
    "id": "code",
    "org": "org_code",
    "class": "class_code",
    "level": "level_code",
    "sales_region": "sales_region_code",
    "region": "region_code",
    "upper": "upper_code",
}
_REFERENCES = {"class": "客户分类编码", "level": "客户级别编码", "sales_region": "销售区域编码"}


def _reason(problem: RowProblem, rows: Sequence[Row]) -> str:
    """The service's problem (code and details) in the words of the sheet."""
    code, d, hint = problem.code, problem.error.details, problem.hint
    lowers = "、".join(d.get("lower_customers", ()))
    if code == "duplicate_code":
        if hint == "out_of_scope":
            return "客户编码已被使用，该客户不在您的数据权限范围内"
        return f"与第 {rows[d['row']].number} 行重复" if "row" in d else "客户编码已存在"
    if code == "not_found" and problem.field == "org":
        return OUT_OF_SCOPE if hint == "out_of_scope" else "组织编码不存在"
    if code == "not_found" and problem.field == "upper":
        return "上级客户编码不存在"
    if code == "unknown_reference":
        return f"{_REFERENCES[problem.field]}不存在"
    if code == "cyclic_hierarchy":
        if hint == "self":
            return "上级客户不能是客户自己"
        if hint == "too_deep":
            return f"上级客户链条超过 {MAX_CHAIN} 级"
        return "上级客户形成循环：" + " → ".join(d["path"])
    reasons = {
        "unknown_region": "地区编码不存在",
        "upper_row_rejected": f"上级客户所在的第 {rows[d.get('row', 0)].number} 行有错误",
        "upper_outside_organisation": "上级客户须与本客户属于同一组织",
        "upper_cannot_supply": "上级客户是终端门店或大客户，不能作为上级供货商",
        "lower_customers_in_organisation": f"下级客户 {lowers} 仍属于原组织，不能更换组织",
        "lower_customers_need_supplier": (
            f"仍有下级客户（{lowers}）向其进货，不能改为终端门店或大客户"
        ),
    }
    return reasons.get(code) or str(problem.error.message)


def row_errors(rows: Sequence[Row], problems: Sequence[RowProblem]) -> list[RowError]:
    h = CUSTOMER_SPEC.header
    return [
        RowError(rows[p.index].number, h(_COLUMNS.get(p.field, p.field)), _reason(p, rows))
        for p in problems
    ]


class CustomerImporter(ServiceImporter):
    """Rows become `CustomerRow` commands for the customer service, which holds every rule."""

    label = _("Customers")
    permission = "party.customer.import"
    spec = CUSTOMER_SPEC
    to_command = staticmethod(_command)
    validate = staticmethod(customer_services.validate_customers)
    apply_in_tx = staticmethod(customer_services.apply_customers_in_tx)
    row_errors = staticmethod(row_errors)


def customer_rows(customers: QuerySet[Customer]) -> Iterator[dict[str, Any]]:
    """The customers in the template's layout (an export that imports again unchanged)."""
    qs = customers.select_related(
        "org", "customer_class", "level", "sales_region", "upper"
    ).order_by("code", "pk")
    for c in qs.iterator(chunk_size=2000):
        yield {
            "code": c.code,
            "name": c.name,
            "short_name": c.short_name,
            "kind": KIND_LABELS.get(c.kind, c.kind),
            "org_code": c.org.code,
            "class_code": c.customer_class.code if c.customer_class_id else None,
            "level_code": c.level.code if c.level_id else None,
            "sales_region_code": c.sales_region.code if c.sales_region_id else None,
            "region_code": c.region_id,
            "upper_code": c.upper.code if c.upper_id else None,
            "tags": ",".join(c.tags or []),
            "invoice_title": c.invoice_title,
            "tax_number": c.tax_number,
        }
