from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status

from omni.access.services import tokens
from omni.kernel.errors import NotFound
from omni.kernel.requestid import client_ip

from ..auth import request_actor
from ..schemas import (
    ERRORS,
    LINE_PATTERN,
    TEXT_PATTERN,
    Input,
    Permission,
    QueryId,
    name_of,
)
from ..secrets import secret_response

router = Router()


class TokenIn(Input):
    username: Annotated[str, Field(min_length=1, max_length=150, pattern=LINE_PATTERN)]
    password: Annotated[str, Field(min_length=1, max_length=128, pattern=TEXT_PATTERN)]
    name: name_of("access.ApiToken") = "api"


class TokenOut(Schema):
    id: int
    token: str
    token_type: str = "Bearer"
    expires_at: dt.datetime


class NewTokenIn(Input):
    name: name_of("access.ApiToken")
    permissions: list[Permission] | None = Field(
        None,
        max_length=200,
        description="only these permissions (a scoped token), each one the caller holds; "
        "omit for the caller's own: the user's permissions when logged in or with an unscoped "
        "token, the creating token's permissions (and expiry) with a scoped one. Asking for "
        "more: 403 cannot_grant",
    )


class TokenInfo(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    permissions: list[str] | None


def _out(issued: tokens.IssuedToken) -> TokenOut:
    return TokenOut(id=issued.token_id, token=issued.token, expires_at=issued.expires_at)


@router.post(
    "/token", response={200: TokenOut, **ERRORS}, auth=None, summary="Log in: get a bearer token"
)
def token(request: HttpRequest, response: HttpResponse, payload: TokenIn):
    secret_response(response)
    return _out(
        tokens.issue_token(
            username=payload.username,
            password=payload.password,
            name=payload.name,
            request_id=getattr(request, "request_id", ""),
            ip=client_ip(request),
        )
    )


@router.get("/tokens", response={200: list[TokenInfo], **ERRORS}, summary="My API tokens")
def my_tokens(request: HttpRequest):
    return list(tokens.list_tokens(actor=request_actor(request))[:200])


@router.post("/tokens", response={201: TokenOut, **ERRORS}, summary="Create another API token")
def create_token(request: HttpRequest, response: HttpResponse, payload: NewTokenIn):
    secret_response(response)
    return Status(
        201,
        _out(
            tokens.create_token(
                actor=request_actor(request),
                name=payload.name,
                permissions=payload.permissions,
                via_token_id=getattr(request, "api_token_id", None),
            )
        ),
    )


@router.delete(
    "/tokens/{token_id}", response={204: None, **ERRORS}, summary="Revoke one of my tokens"
)
def revoke_token(request: HttpRequest, token_id: QueryId):
    if not tokens.revoke_token(actor=request_actor(request), token_id=token_id):
        raise NotFound()
    return Status(204, None)
