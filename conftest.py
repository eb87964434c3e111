"""Fixtures shared by every test package."""

from __future__ import annotations

import os

import pytest
from django.test import Client

from omni.access.models import User
from omni.kernel.actors import Actor

IS_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def pytest_collection_modifyitems(config, items):
    if IS_POSTGRES:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (runs in the PostgreSQL pass of make test)")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def system_actor() -> Actor:
    return Actor.system("test")


@pytest.fixture
def staff_user(db) -> User:
    user = User.objects.create_user("staff", password="staff-pass-123", display_name="测试管理员")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


@pytest.fixture
def plain_user(db) -> User:
    return User.objects.create_user("plain", password="plain-pass-123", display_name="普通用户")


def _token_client(username: str, password: str) -> Client:
    client = Client()
    res = client.post(
        "/api/v1/auth/token",
        {"username": username, "password": password},
        content_type="application/json",
    )
    assert res.status_code == 200, res.content
    return Client(headers={"Authorization": f"Bearer {res.json()['token']}"})


@pytest.fixture
def staff_api(staff_user) -> Client:
    return _token_client("staff", "staff-pass-123")


@pytest.fixture
def plain_api(plain_user) -> Client:
    return _token_client("plain", "plain-pass-123")
