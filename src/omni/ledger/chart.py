"""The standard chart of account types, loaded by a data migration (and kept as data:
finance may add types or change names, priorities and what a type may fund)."""

from __future__ import annotations

# code, name (zh-Hans), holder, currency, places, may_go_negative, funds, priority, buckets
STANDARD_TYPES = [
    ("cash", "现金/预付款", "customer", "CNY", 2, False, ["goods", "freight"], 20, 1),
    ("credit", "授信", "customer", "CNY", 2, False, ["goods"], 30, 1),
    ("expense", "费用", "customer", "CNY", 2, False, ["goods"], 15, 1),
    ("deposit", "保证金", "customer", "CNY", 2, False, [], 100, 1),
    ("special", "专项资金", "customer", "CNY", 2, False, ["goods"], 12, 1),
    ("rebate", "返利", "customer", "CNY", 2, False, ["goods"], 10, 1),
    ("allowance", "价格补贴", "customer", "CNY", 2, False, ["goods"], 11, 1),
    ("points", "积分", "customer", "PTS", 0, False, [], 100, 1),
    # the brand's side of every entry: may go negative, hot, so spread over balance rows
    ("bank", "银行收款", "organisation", "CNY", 2, True, [], 100, 16),
    ("credit_line", "授信额度", "organisation", "CNY", 2, True, [], 100, 16),
    ("marketing", "营销费用", "organisation", "CNY", 2, True, [], 100, 16),
    ("sales", "销售回款", "organisation", "CNY", 2, True, [], 100, 16),
    ("interest", "利息支出", "organisation", "CNY", 2, True, [], 100, 16),
    ("adjustment", "调账", "organisation", "CNY", 2, True, [], 100, 16),
    ("points_issued", "积分发行", "organisation", "PTS", 0, True, [], 100, 16),
]


def load(AccountType) -> None:
    for order, row in enumerate(STANDARD_TYPES):
        code, name, holder, currency, places, negative, funds, priority, buckets = row
        AccountType.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "holder": holder,
                "currency": currency,
                "places": places,
                "may_go_negative": negative,
                "funds": funds,
                "fund_priority": priority,
                "buckets": buckets,
                "sort_order": order * 10,
            },
        )
