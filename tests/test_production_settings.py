"""Production mode (OMNI_ENV=production) refuses the development key and trusts the balancer."""

import os
import subprocess
import sys

PROBE = (
    "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'omni.config.settings');"
    "from django.conf import settings;"
    "print(settings.SESSION_COOKIE_SECURE, settings.SECURE_PROXY_SSL_HEADER,"
    " settings.CSRF_TRUSTED_ORIGINS)"
)


def _settings(tmp_path, **env):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OMNI_", "DJANGO_"))}
    base.update({"OMNI_VAR_DIR": str(tmp_path), **env})
    return subprocess.run(
        [sys.executable, "-c", PROBE], env=base, capture_output=True, text=True, timeout=60
    )


def test_production_without_a_secret_key_refuses_to_start(tmp_path):
    # given production mode and no secret key / when settings load / then they refuse
    res = _settings(tmp_path, OMNI_ENV="production")
    assert res.returncode != 0
    assert "OMNI_SECRET_KEY" in res.stderr


def test_production_cookies_are_https_only_behind_the_balancer(tmp_path):
    # given production mode with a key and a public origin / when settings load
    res = _settings(
        tmp_path,
        OMNI_ENV="production",
        OMNI_SECRET_KEY="k" * 50,
        OMNI_CSRF_TRUSTED_ORIGINS="https://omni.example.com",
    )
    # then cookies are secure, the forwarded proto is trusted and the origin is listed
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == [
        "True",
        "('HTTP_X_FORWARDED_PROTO',",
        "'https')",
        "['https://omni.example.com']",
    ]


def test_development_is_unchanged(tmp_path):
    res = _settings(tmp_path)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("False ")
