"""Payment provider notifications (支付结果通知): plain Django views, outside the JSON API (the
providers' own formats, not ours). Each verifies the notification on the raw body with the
provider's client, hands a verified 'paid' to `payment.services.online.settle` (its own
transaction) and acknowledges only after that commit: Alipay gets the text ``success``,
WeChat Pay a 204. A forgery is logged and refused (the provider will retry a genuine one);
a verified but foreign, wrong-amount or unknown notification is logged and acknowledged,
so it is not sent again, and changes nothing."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from omni.integration.alipay import AlipaySignatureError, NotificationRejected
from omni.integration.alipay.errors import AlipayError
from omni.integration.wechatpay.errors import (
    WechatPayError,
    WechatPayNotificationMismatch,
)
from omni.payment import providers
from omni.payment.calculations import fen_of
from omni.payment.services.online import PaidEvent, record_refused, settle


def _raw(request: HttpRequest) -> str:
    return request.body.decode("utf-8", errors="replace")


@csrf_exempt
@require_POST
def alipay_notify(request: HttpRequest) -> HttpResponse:
    client = providers.alipay()
    if client is None:
        return HttpResponse("fail", content_type="text/plain", status=404)
    form = {k: v for k, v in request.POST.items()}
    try:
        note = client.verify_notification(form)
    except NotificationRejected as exc:  # correctly signed, but not ours
        record_refused(provider="alipay", reason=f"foreign: {exc}", body=_raw(request))
        return HttpResponse("success", content_type="text/plain")
    except (AlipaySignatureError, AlipayError) as exc:
        record_refused(provider="alipay", reason=f"signature: {exc}", body=_raw(request))
        return HttpResponse("fail", content_type="text/plain", status=400)
    if note.is_paid and note.refund_fee is None:
        settle(
            PaidEvent(
                "alipay",
                note.out_trade_no,
                note.trade_no,
                fen_of(note.total_amount),
                note.app_id,
                note.seller_id,
                notify_id=note.notify_id,
                body=_raw(request),
            )
        )
    return HttpResponse("success", content_type="text/plain")


@csrf_exempt
@require_POST
def wechatpay_notify(request: HttpRequest) -> HttpResponse:
    client = providers.wechatpay()
    if client is None:
        return JsonResponse({"code": "FAIL", "message": "not configured"}, status=404)
    headers = {k: v for k, v in request.headers.items()}
    try:
        note = client.verify_and_decrypt_notification(headers, request.body)
    except WechatPayNotificationMismatch as exc:
        record_refused(provider="wechatpay", reason=f"foreign: {exc}", body=_raw(request))
        return HttpResponse(status=204)
    except WechatPayError as exc:
        record_refused(provider="wechatpay", reason=f"signature: {exc}", body=_raw(request))
        return JsonResponse({"code": "FAIL", "message": "验签失败"}, status=401)
    tx = note.transaction
    if note.event_type == "TRANSACTION.SUCCESS" and tx is not None and tx.transaction_id:
        settle(
            PaidEvent(
                "wechatpay",
                tx.out_trade_no,
                tx.transaction_id,
                tx.total_fen,
                tx.appid,
                tx.mchid,
                notify_id=note.id,
                body=json.dumps(dict(note.resource), ensure_ascii=False),
            )
        )
    return HttpResponse(status=204)
