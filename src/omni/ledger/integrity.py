"""Ledger checks for `omni check`: balances and held amounts recomputed from postings and
open holds, every entry summing to zero per currency, and no guarded account below zero."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, F, Q, Sum

from omni.kernel.integrity import Finding, integrity_check

from .models import Account, Balance, Hold, JournalEntry, Posting
from .types import HoldStatus


@integrity_check("ledger.balances_match_postings")
def balances_match_postings() -> Iterable[Finding]:
    """Every account's balance equals the sum of its postings, and its frozen amount the sum
    of its open holds."""
    stored = {
        row["account_id"]: (row["b"] or 0, row["f"] or 0)
        for row in Balance.objects.values("account_id").annotate(b=Sum("balance"), f=Sum("frozen"))
    }
    posted = dict(
        Posting.objects.values("account_id")
        .annotate(s=Sum("amount"))
        .values_list("account_id", "s")
    )
    held = dict(
        Hold.objects.filter(status=HoldStatus.HELD)
        .values("account_id")
        .annotate(s=Sum("amount"))
        .values_list("account_id", "s")
    )
    for account_id in sorted(set(stored) | set(posted) | set(held)):
        balance, frozen = stored.get(account_id, (0, 0))
        if balance != (posted.get(account_id) or 0):
            yield Finding(
                "ledger.balances_match_postings",
                f"ledger.account:{account_id}",
                f"balance {balance} but postings sum to {posted.get(account_id) or 0}",
            )
        if frozen != (held.get(account_id) or 0):
            yield Finding(
                "ledger.balances_match_postings",
                f"ledger.account:{account_id}",
                f"frozen {frozen} but open holds sum to {held.get(account_id) or 0} (minor units)",
            )


@integrity_check("ledger.entries_sum_to_zero")
def entries_sum_to_zero() -> Iterable[Finding]:
    """Every entry has two or more postings and they sum to zero per currency."""
    for row in (
        Posting.objects.values("entry_id", "currency")
        .annotate(s=Sum("amount"))
        .exclude(s=0)
        .order_by("entry_id")
    ):
        yield Finding(
            "ledger.entries_sum_to_zero",
            f"ledger.journalentry:{row['entry_id']}",
            f"{row['currency']} postings sum to {row['s']} (minor units), not 0",
        )
    short = JournalEntry.objects.annotate(n=Count("postings")).filter(n__lt=2)
    for entry_id in short.values_list("pk", flat=True):
        yield Finding(
            "ledger.entries_sum_to_zero",
            f"ledger.journalentry:{entry_id}",
            "an entry needs at least two postings",
        )


@integrity_check("ledger.available_not_negative")
def available_not_negative() -> Iterable[Finding]:
    """No account whose type may not go negative has balance − frozen below zero."""
    guarded = Account.objects.filter(type__may_go_negative=False).values("pk")
    rows = Balance.objects.filter(account__in=guarded).filter(
        Q(frozen__lt=0) | Q(balance__lt=F("frozen"))
    )
    for row in rows.values("account_id", "balance", "frozen"):
        yield Finding(
            "ledger.available_not_negative",
            f"ledger.account:{row['account_id']}",
            f"available below zero: balance {row['balance']}, frozen {row['frozen']}",
        )
