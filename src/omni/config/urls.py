from django.urls import include, path

from omni.api import webhooks
from omni.api.v1 import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("payment/notify/alipay/", webhooks.alipay_notify, name="alipay-notify"),
    path("payment/notify/wechatpay/", webhooks.wechatpay_notify, name="wechatpay-notify"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("party/", include("omni.web.party.urls")),
    path("catalog/", include("omni.web.catalog.urls")),
    path("imports/", include("omni.web.imports.urls")),
    path("access/", include("omni.web.access.urls")),
    path("funds/", include("omni.web.ledger.urls")),
    path("credit/", include("omni.web.credit.urls")),
    path("inventory/", include("omni.web.inventory.urls")),
    path("payment/", include("omni.web.payment.urls")),
    path("", include("omni.web.urls")),
]
