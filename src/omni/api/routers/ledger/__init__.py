"""Ledger API (fund pool): account types, accounts and balances, postings, statements,
adjustments and reversals, holds."""

from __future__ import annotations

import io
from decimal import Decimal

from django.http import FileResponse, HttpRequest
from ninja import Query, Router, Status

from omni.kernel import clock
from omni.ledger import selectors, statement_pdf
from omni.ledger.calculations import from_minor
from omni.ledger.services import accounts as account_services
from omni.ledger.services import interest, statements
from omni.ledger.services.adjustments import adjust_balance
from omni.ledger.services.posting import reverse_entry

from ...auth import request_actor
from ...pagination import Page, narrow, paginate
from ...schemas import ERRORS, Error, QueryId
from .schemas import (
    AccountFilter,
    AccountIn,
    AccountOut,
    AccountStatusIn,
    AccountTypeOut,
    AdjustmentIn,
    ConfirmIn,
    DisputeIn,
    EntryOut,
    HoldFilter,
    HoldOut,
    InterestPolicyIn,
    InterestPolicyOut,
    PeriodOut,
    PostingFilter,
    PostingOut,
    ResolveIn,
    ReverseIn,
    StatementOut,
    StatementQuery,
)

router = Router()


def _money(minor: int | None, places: int) -> str:
    return str(from_minor(minor or 0, places))


def account_out(a) -> dict:
    places = a.type.places
    balance = getattr(a, "balance_minor", None) or 0
    frozen = getattr(a, "frozen_minor", None) or 0
    return {
        "id": a.pk,
        "org_id": a.org_id,
        "customer_id": a.customer_id,
        "customer_name": a.customer.name if a.customer_id else None,
        "type": a.type.code,
        "type_name": a.type.name,
        "currency": a.currency,
        "status": a.status,
        "balance": _money(balance, places),
        "frozen": _money(frozen, places),
        "available": _money(balance - frozen, places),
    }


def posting_out(p) -> dict:
    places = p.account.type.places
    return {
        "id": p.pk,
        "entry_id": p.entry_id,
        "account_id": p.account_id,
        "date": p.business_date,
        "kind": p.entry.kind,
        "memo": p.entry.memo,
        "source_type": p.entry.source_type,
        "source_id": p.entry.source_id,
        "amount": _money(p.amount, places),
        "balance_after": None if p.balance_after is None else _money(p.balance_after, places),
    }


def entry_out(actor, entry) -> dict:
    lines = [
        {
            "account_id": p.account_id,
            "amount": _money(p.amount, p.account.type.places),
            "balance_after": None
            if p.balance_after is None
            else _money(p.balance_after, p.account.type.places),
        }
        for p in entry.postings.select_related("account__type").order_by("id")
    ]
    reversed_by = getattr(entry, "reversed_by", None)  # none: the accessor raises AttributeError
    return {
        "id": entry.pk,
        "org_id": entry.org_id,
        "kind": entry.kind,
        "memo": entry.memo,
        "source_type": entry.source_type,
        "source_id": entry.source_id,
        "business_date": entry.business_date,
        "reverses_id": entry.reverses_id,
        "reversed_by_id": reversed_by.pk if reversed_by else None,
        "actor_name": entry.actor_name,
        "created_at": entry.created_at,
        "lines": lines,
    }


def hold_out(h) -> dict:
    places = h.account.type.places
    return {
        "id": h.pk,
        "account_id": h.account_id,
        "amount": _money(h.amount, places),
        "captured": _money(h.captured, places),
        "source_type": h.source_type,
        "source_id": h.source_id,
        "status": h.status,
        "created_at": h.created_at,
        "closed_at": h.closed_at,
    }


@router.get(
    "/account-types", response={200: list[AccountTypeOut], **ERRORS}, summary="Account types"
)
def list_account_types(request: HttpRequest):
    return list(selectors.list_account_types(request_actor(request)))


@router.get("/accounts", response={200: Page[AccountOut], **ERRORS}, summary="Fund accounts")
def list_accounts(request: HttpRequest, filters: Query[AccountFilter]):
    qs = selectors.list_accounts(request_actor(request))
    qs = narrow(qs, filters, customer_id="customer_id", type="type__code", status="status")
    return paginate(qs, filters, item=account_out)


@router.post("/accounts", response={201: AccountOut, **ERRORS}, summary="Open a customer account")
def open_account(request: HttpRequest, payload: AccountIn):
    actor = request_actor(request)
    account = account_services.open_account(
        actor=actor, type_code=payload.type, customer_id=payload.customer_id
    )
    return Status(201, account_out(selectors.get_account(actor, account.pk)))


@router.get("/accounts/{account_id}", response={200: AccountOut, **ERRORS}, summary="An account")
def get_account(request: HttpRequest, account_id: QueryId):
    return account_out(selectors.get_account(request_actor(request), account_id))


@router.put(
    "/accounts/{account_id}/status",
    response={200: AccountOut, **ERRORS},
    summary="Freeze or unfreeze an account",
)
def set_account_status(request: HttpRequest, account_id: QueryId, payload: AccountStatusIn):
    actor = request_actor(request)
    account_services.set_account_status(actor=actor, account_id=account_id, status=payload.status)
    return account_out(selectors.get_account(actor, account_id))


@router.get(
    "/accounts/{account_id}/postings",
    response={200: Page[PostingOut], **ERRORS},
    summary="Postings of an account",
)
def list_postings(request: HttpRequest, account_id: QueryId, filters: Query[PostingFilter]):
    actor = request_actor(request)
    selectors.get_account(actor, account_id)
    qs = selectors.list_postings(
        actor, account_id=account_id, date_from=filters.date_from, date_to=filters.date_to
    )
    return paginate(qs, filters, item=posting_out)


@router.get(
    "/accounts/{account_id}/statement",
    response={200: StatementOut, **ERRORS},
    summary="Statement of an account for a period (对账单)",
)
def get_statement(request: HttpRequest, account_id: QueryId, period: Query[StatementQuery]):
    st = selectors.get_statement(
        request_actor(request), account_id, period.date_from, period.date_to
    )
    return {
        "account_id": st.account_id,
        "currency": st.currency,
        "date_from": st.date_from,
        "date_to": st.date_to,
        "opening": str(st.opening),
        "closing": str(st.closing),
        "debits": str(st.debits),
        "credits": str(st.credits),
        "lines": [
            {**line, "amount": str(line["amount"]), "balance": str(line["balance"])}
            for line in st.lines
        ],
    }


@router.get(
    "/accounts/{account_id}/statement.pdf",
    response={200: None, 503: Error, **ERRORS},
    summary="Statement of an account for a period as a PDF (对账单, application/pdf)",
    description="503 `pdf_font_missing`: the server has no Chinese font to print it with.",
)
def get_statement_pdf(request: HttpRequest, account_id: QueryId, period: Query[StatementQuery]):
    actor = request_actor(request)
    account = selectors.get_account(actor, account_id)
    content = statement_pdf.render_statement(
        selectors.get_statement(actor, account_id, period.date_from, period.date_to),
        statement_pdf.statement_info(account, generated_at=clock.local_now()),
    )
    return FileResponse(
        io.BytesIO(content),
        as_attachment=True,
        filename=f"statement-{account_id}-{period.date_from:%Y%m%d}-{period.date_to:%Y%m%d}.pdf",
        content_type=statement_pdf.PDF_CONTENT_TYPE,
    )


@router.post("/adjustments", response={201: EntryOut, **ERRORS}, summary="Adjust a balance (调账)")
def create_adjustment(request: HttpRequest, payload: AdjustmentIn):
    actor = request_actor(request)
    posted = adjust_balance(
        actor=actor,
        account_id=payload.account_id,
        direction=payload.direction,
        amount=Decimal(payload.amount),
        memo=payload.memo,
    )
    return Status(201, entry_out(actor, selectors.get_entry(actor, posted.id)))


@router.get("/entries/{entry_id}", response={200: EntryOut, **ERRORS}, summary="A journal entry")
def get_entry(request: HttpRequest, entry_id: QueryId):
    actor = request_actor(request)
    return entry_out(actor, selectors.get_entry(actor, entry_id))


@router.post(
    "/entries/{entry_id}/reverse",
    response={201: EntryOut, **ERRORS},
    summary="Reverse a journal entry (冲销)",
)
def reverse(request: HttpRequest, entry_id: QueryId, payload: ReverseIn):
    actor = request_actor(request)
    selectors.get_entry(actor, entry_id)
    posted = reverse_entry(actor=actor, entry_id=entry_id, memo=payload.memo)
    return Status(201, entry_out(actor, selectors.get_entry(actor, posted.id)))


@router.get("/holds", response={200: Page[HoldOut], **ERRORS}, summary="Fund holds")
def list_holds(request: HttpRequest, filters: Query[HoldFilter]):
    qs = selectors.list_holds(request_actor(request))
    qs = narrow(qs, filters, account_id="account_id", status="status")
    return paginate(qs, filters, item=hold_out)


def period_out(p) -> dict:
    return {
        "account_id": p.account_id,
        "month": p.month.strftime("%Y-%m"),
        "status": p.status,
        "comment": p.comment,
        "disputed_postings": list(p.disputed_postings or []),
        "resolution": p.resolution,
        "answered_by": p.answered_by,
        "answered_at": p.answered_at,
        "resolved_by": p.resolved_by,
        "resolved_at": p.resolved_at,
    }


@router.get(
    "/accounts/{account_id}/statement-periods",
    response={200: list[PeriodOut], **ERRORS},
    summary="Months of the statement the customer confirmed or disputed",
)
def list_periods(request: HttpRequest, account_id: QueryId):
    actor = request_actor(request)
    return [period_out(p) for p in selectors.list_periods(actor, account_id)]


@router.post(
    "/accounts/{account_id}/statement/confirm",
    response={200: PeriodOut, **ERRORS},
    summary="Confirm a month's statement (对账确认): the month is locked",
)
def confirm_statement(request: HttpRequest, account_id: QueryId, payload: ConfirmIn):
    period = statements.confirm_statement(
        actor=request_actor(request), account_id=account_id, month=payload.month
    )
    return period_out(period)


@router.post(
    "/accounts/{account_id}/statement/dispute",
    response={200: PeriodOut, **ERRORS},
    summary="Dispute lines of a month's statement with a comment",
)
def dispute_statement(request: HttpRequest, account_id: QueryId, payload: DisputeIn):
    period = statements.dispute_statement(
        actor=request_actor(request),
        account_id=account_id,
        month=payload.month,
        posting_ids=payload.posting_ids,
        comment=payload.comment,
    )
    return period_out(period)


@router.post(
    "/accounts/{account_id}/statement/resolve",
    response={200: PeriodOut, **ERRORS},
    summary="Resolve a disputed month (finance)",
)
def resolve_statement(request: HttpRequest, account_id: QueryId, payload: ResolveIn):
    period = statements.resolve_dispute(
        actor=request_actor(request),
        account_id=account_id,
        month=payload.month,
        resolution=payload.resolution,
    )
    return period_out(period)


@router.put(
    "/interest-policies/{org_id}",
    response={200: InterestPolicyOut, **ERRORS},
    summary="Set an organisation's yearly deposit interest rate (保证金利率)",
)
def set_interest_policy(request: HttpRequest, org_id: QueryId, payload: InterestPolicyIn):
    policy = interest.set_interest_policy(
        actor=request_actor(request),
        org_id=org_id,
        annual_rate=payload.annual_rate,
        is_active=payload.is_active,
    )
    return {
        "org_id": policy.org_id,
        "annual_rate": str(policy.annual_rate),
        "is_active": policy.is_active,
    }
