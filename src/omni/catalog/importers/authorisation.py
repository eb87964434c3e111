"""The product authorisation sheet (`catalog.authorisation`): its description, the mapping
of its rows to `AuthorisationRow` commands of
`services.authorisation_batch.upsert_authorisation_rules`, and the rows of its export. The
rules are the service's (`services.authorisation_rules`): a refused row gets the message of
its error code, the one the page and the API give.

One row per rule. Rules have no code: a rule is the same when organisation, effect,
subject, target and validity dates are, and is then never created twice (only its note
is updated). Subjects are party rows (customer classes, levels, sales regions, customers)
that the catalog must not import: they are resolved by code through
`scoping.subject_queryset` (tenancy and its directory), as the authorisation service
does; customers and sales regions only within the uploader's visible organisations.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from omni.kernel import excel
from omni.kernel.excel import Column, Row, SheetSpec
from omni.kernel.imports import register_importer

from ..models import (
    SUBJECT_FIELDS,
    TARGET_FIELDS,
    AuthorisationRule,
    RuleEffect,
    SubjectKind,
    TargetKind,
)
from ..services.authorisation_batch import (
    check_authorisation_rules,
    upsert_authorisation_rules,
)
from ..types import AuthorisationRow
from ._cells import BatchImporter

EFFECTS = {"允许": RuleEffect.INCLUDE, "禁止": RuleEffect.EXCLUDE}
SUBJECT_KINDS = {
    "全部": SubjectKind.ALL,
    "客户分类": SubjectKind.CUSTOMER_CLASS,
    "客户级别": SubjectKind.CUSTOMER_LEVEL,
    "销售区域": SubjectKind.SALES_REGION,
    "客户": SubjectKind.CUSTOMER,
}
TARGET_KINDS = {
    "全部": TargetKind.ALL,
    "品牌": TargetKind.BRAND,
    "分类": TargetKind.CATEGORY,
    "商品": TargetKind.PRODUCT,
    "SKU": TargetKind.SKU,
}
EFFECT_LABELS = {str(v): k for k, v in EFFECTS.items()}
SUBJECT_LABELS = {str(v): k for k, v in SUBJECT_KINDS.items()}
TARGET_LABELS = {str(v): k for k, v in TARGET_KINDS.items()}

AUTHORISATION_SPEC = SheetSpec(
    "商品授权",
    (
        Column(
            "org_code",
            "组织编码",
            required=True,
            max_length=32,
            example="GRP",
            note="规则所属组织；须在您可以修改的组织范围内",
        ),
        Column(
            "effect",
            "效果",
            required=True,
            choices=tuple(EFFECTS),
            parse=excel.mapped(EFFECTS),
            example="允许",
        ),
        Column(
            "subject_kind",
            "对象类型",
            required=True,
            choices=tuple(SUBJECT_KINDS),
            parse=excel.mapped(SUBJECT_KINDS),
            example="客户分类",
        ),
        Column(
            "subject_code",
            "对象编码",
            max_length=32,
            example="L1",
            note="客户分类 / 客户级别 / 销售区域 / 客户的编码；对象类型为全部时留空",
        ),
        Column(
            "target_kind",
            "范围类型",
            required=True,
            choices=tuple(TARGET_KINDS),
            parse=excel.mapped(TARGET_KINDS),
            example="品牌",
        ),
        Column(
            "target_code",
            "范围编码",
            max_length=40,
            example="B001",
            note="品牌 / 分类 / 商品 / SKU 的编码；范围类型为全部时留空",
        ),
        Column(
            "valid_from", "生效日期", parse=excel.date, example="2025-01-01", note="留空 = 不限"
        ),
        Column("valid_to", "失效日期", parse=excel.date, example="2025-12-31", note="留空 = 不限"),
        Column("note", "备注", max_length=200),
    ),
    notes=(
        "4. 规则没有编码：组织、效果、对象、范围、生效和失效日期都相同的规则视为同一条，"
        "重复导入不会新建（只更新备注）。",
    ),
)

# an AuthorisationRow field → the sheet column it comes from
_COLUMNS = {"org": "org_code", "subject": "subject_code", "target": "target_code"}


def to_command(row: Row) -> AuthorisationRow:
    v = row.values
    return AuthorisationRow(
        org=v["org_code"],
        effect=v["effect"],
        subject_kind=v["subject_kind"],
        subject=v["subject_code"] or None,
        target_kind=v["target_kind"],
        target=v["target_code"] or None,
        valid_from=v["valid_from"],
        valid_to=v["valid_to"],
        note=v["note"] or "",
    )


class AuthorisationImporter(BatchImporter):
    label = _("Product authorisation")
    permission = "catalog.authorisation.import"
    spec = AUTHORISATION_SPEC
    columns = _COLUMNS
    check = staticmethod(check_authorisation_rules)
    upsert = staticmethod(upsert_authorisation_rules)
    to_command = staticmethod(to_command)


def authorisation_rows(rules: QuerySet[AuthorisationRule]) -> Iterator[dict[str, Any]]:
    """The rules in the authorisation template's layout."""
    qs = rules.select_related("org", *SUBJECT_FIELDS.values(), *TARGET_FIELDS.values()).order_by(
        "org_id", "id"
    )
    for r in qs.iterator(chunk_size=2000):
        subject = SUBJECT_FIELDS.get(SubjectKind(r.subject_kind))
        target = TARGET_FIELDS.get(TargetKind(r.target_kind))
        yield {
            "org_code": r.org.code,
            "effect": EFFECT_LABELS[r.effect],
            "subject_kind": SUBJECT_LABELS[r.subject_kind],
            "subject_code": getattr(r, subject).code if subject else None,
            "target_kind": TARGET_LABELS[r.target_kind],
            "target_code": getattr(r, target).code if target else None,
            "valid_from": r.valid_from,
            "valid_to": r.valid_to,
            "note": r.note or None,
        }


register_importer("catalog.authorisation", AuthorisationImporter())
