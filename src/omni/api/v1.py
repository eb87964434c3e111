"""The v1 API object. Routers are mounted here; errors are mapped in `errors.install`."""

from __future__ import annotations

from ninja import NinjaAPI

from . import errors
from .auth import AUTH
from .renderer import OmniRenderer
from .routers import access, audit, auth, catalog, exports, health, imports, outbox, party

api = NinjaAPI(
    title="Omni API",
    version="1",
    description="Omni omnichannel marketing cloud. Money is a decimal string, times are ISO 8601 "
    "with offset (server time zone Asia/Shanghai). Errors: {code, message, details}.",
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    auth=AUTH,
    renderer=OmniRenderer(),
)
errors.install(api)

api.add_router("/health", health.router, tags=["system"])
api.add_router("/auth", auth.router, tags=["auth"])
api.add_router("/audit", audit.router, tags=["system"])
api.add_router("/access", access.router, tags=["access"])
api.add_router("/outbox", outbox.router, tags=["system"])
api.add_router("/party", party.router, tags=["party"])
api.add_router("/catalog", catalog.router, tags=["catalog"])
api.add_router("/imports", imports.router, tags=["imports"])
api.add_router("/exports", exports.router, tags=["exports"])
