"""Online top-ups end to end over real HTTP: our API asks the Alipay / WeChat Pay simulator
for a QR code, the simulator's buyer pays, its signed notification reaches our live server,
the money is posted once. Duplicates (concurrent), out-of-order, forged and wrong-amount
notifications change nothing more; a lost notification is settled by the active query."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
import requests

from omni.ledger import selectors as ledger
from omni.ledger.models import JournalEntry
from omni.ledger.tests.factories import SYSTEM
from omni.party.tests.factories import client_for, make_world, user_with
from omni.payment import providers
from omni.payment.devsetup import write_alipay, write_wechatpay
from omni.payment.models import ProviderNotification, TopUp
from omni.payment.services.online import reconcile_top_ups

pytestmark = pytest.mark.django_db(transaction=True)
DEALER = ["payment.topup.view", "payment.topup.create", "ledger.account.view"]
WAIT = 20.0


class Sim:
    def __init__(self, server):
        self.server = server
        self.thread = threading.Thread(target=server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def call(self, method: str, path: str, payload=None):
        res = requests.request(method, self.base_url + path, json=payload, timeout=10)
        assert res.status_code == 200, res.text
        return res.json() if res.content else None

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def until(predicate, timeout: float = WAIT):
    """Wait for a condition the simulator's delivery thread makes true (polled, bounded)."""
    done = threading.Event()
    for _ in range(int(timeout / 0.05)):
        if predicate():
            return
        done.wait(0.05)
    raise AssertionError("condition not met in time")


@pytest.fixture
def payment_env(live_server, settings, tmp_path):
    from simulators.alipay.server import make_server as alipay_server
    from simulators.wechatpay.server import make_server as wechat_server

    write_alipay(tmp_path / "ali-sim", tmp_path / "ali", "http://placeholder", retry_scale=0.0005)
    write_wechatpay(tmp_path / "wx-sim", tmp_path / "wx", "http://placeholder", retry_scale=0.0005)
    ali = Sim(alipay_server("127.0.0.1", 0, tmp_path / "ali-sim"))
    wx = Sim(wechat_server("127.0.0.1", 0, tmp_path / "wx-sim"))
    import json

    spec = json.loads((tmp_path / "ali/client.json").read_text())
    spec["gateway_url"] = ali.server.gateway_url
    (tmp_path / "ali/client.json").write_text(json.dumps(spec))
    spec = json.loads((tmp_path / "wx/client.json").read_text())
    spec["base_url"] = wx.base_url
    (tmp_path / "wx/client.json").write_text(json.dumps(spec))
    settings.OMNI_ALIPAY_DIR = str(tmp_path / "ali")
    settings.OMNI_WECHATPAY_DIR = str(tmp_path / "wx")
    settings.OMNI_PUBLIC_URL = live_server.url
    providers._alipay.cache_clear()
    providers._wechatpay.cache_clear()
    world = make_world()
    dealer = client_for(user_with("dlr", DEALER, "own", customer=world.sh_dealer))
    yield {"ali": ali, "wx": wx, "world": world, "dealer": dealer}
    ali.stop()
    wx.stop()
    providers._alipay.cache_clear()
    providers._wechatpay.cache_clear()


def fault(sim: Sim, provider: str, **spec) -> None:
    """Ask the simulator to misbehave on the next notification (each speaks its own dialect)."""
    if provider == "alipay":
        sim.call("POST", "/__sim__/faults", {**spec, "count": 1})
    else:
        sim.call("POST", "/__sim__/faults", {"notifications": [spec]})


def start(env, provider: str, amount: str = "1288.00") -> dict:
    res = env["dealer"].post(
        "/api/v1/payment/top-ups",
        {"customer_id": env["world"].sh_dealer.pk, "provider": provider, "amount": amount},
        content_type="application/json",
    )
    assert res.status_code == 201, res.content
    body = res.json()
    assert body["status"] == "created" and body["code_url"]
    return body


def balance(top_up: dict) -> Decimal:
    return ledger.get_balance(SYSTEM, top_up["account_id"]).balance


def outcomes(out_trade_no: str) -> list[str]:
    return list(
        ProviderNotification.objects.filter(out_trade_no=out_trade_no)
        .order_by("id")
        .values_list("outcome", flat=True)
    )


def paid(out_trade_no: str) -> bool:
    return TopUp.objects.filter(out_trade_no=out_trade_no, status="paid").exists()


@pytest.mark.parametrize("provider", ["alipay", "wechatpay"])
def test_a_paid_top_up_is_posted_once(payment_env, provider):
    sim = payment_env["ali" if provider == "alipay" else "wx"]
    top_up = start(payment_env, provider)
    sim.call("POST", "/__sim__/pay", {"out_trade_no": top_up["out_trade_no"]})
    until(lambda: paid(top_up["out_trade_no"]))
    assert balance(top_up) == Decimal("1288.00")
    res = payment_env["dealer"].get(f"/api/v1/payment/top-ups/{top_up['id']}")
    assert res.json()["status"] == "paid" and res.json()["transaction_id"]
    # an active query of a paid top-up changes nothing
    assert reconcile_top_ups(older_than_seconds=0) == {}
    assert JournalEntry.objects.filter(source_type="payment.topup").count() == 1


@pytest.mark.parametrize("provider", ["alipay", "wechatpay"])
def test_the_same_notification_15_times_at_once_posts_once(payment_env, provider):
    sim = payment_env["ali" if provider == "alipay" else "wx"]
    top_up = start(payment_env, provider, "66.60")
    fault(sim, provider, duplicates=15)
    sim.call("POST", "/__sim__/pay", {"out_trade_no": top_up["out_trade_no"]})
    until(lambda: len(outcomes(top_up["out_trade_no"])) >= 15)
    got = outcomes(top_up["out_trade_no"])
    assert got.count("applied") == 1 and set(got) <= {"applied", "repeat"}
    assert balance(top_up) >= Decimal("66.60")
    assert JournalEntry.objects.filter(source_id=top_up["out_trade_no"]).count() == 1


@pytest.mark.parametrize(
    ("provider", "forge", "outcome"),
    [
        ("alipay", "signature", "forged"),
        ("alipay", "amount", "wrong_amount"),
        ("wechatpay", "signature", "forged"),
        ("wechatpay", "amount", "wrong_amount"),
    ],
)
def test_forged_and_wrong_amount_notifications_change_nothing(
    payment_env, provider, forge, outcome
):
    sim = payment_env["ali" if provider == "alipay" else "wx"]
    top_up = start(payment_env, provider, "500.00")
    fault(sim, provider, forge=forge)
    sim.call("POST", "/__sim__/pay", {"out_trade_no": top_up["out_trade_no"]})
    until(lambda: paid(top_up["out_trade_no"]))
    notes = list(ProviderNotification.objects.values_list("outcome", flat=True))
    assert outcome in notes and notes.count("applied") == 1
    assert balance(top_up) == Decimal("500.00")


@pytest.mark.parametrize("provider", ["alipay", "wechatpay"])
def test_a_lost_notification_is_settled_by_the_active_query(payment_env, settings, provider):
    settings.OMNI_PUBLIC_URL = "http://127.0.0.1:9"  # notifications go nowhere
    providers._alipay.cache_clear()
    providers._wechatpay.cache_clear()
    sim = payment_env["ali" if provider == "alipay" else "wx"]
    top_up = start(payment_env, provider, "99.99")
    assert reconcile_top_ups(older_than_seconds=0) != {"applied": 1}  # not paid yet
    sim.call("POST", "/__sim__/pay", {"out_trade_no": top_up["out_trade_no"]})
    assert reconcile_top_ups(older_than_seconds=0) == {"applied": 1}
    assert reconcile_top_ups(older_than_seconds=0) == {}
    assert balance(top_up) == Decimal("99.99")


def test_a_provider_that_is_not_set_up_is_refused(payment_env, settings):
    settings.OMNI_ALIPAY_DIR = ""
    res = payment_env["dealer"].post(
        "/api/v1/payment/top-ups",
        {"customer_id": payment_env["world"].sh_dealer.pk, "provider": "alipay", "amount": "1"},
        content_type="application/json",
    )
    assert res.status_code == 409 and res.json()["code"] == "provider_not_configured"
    assert not TopUp.objects.exists()


def test_a_bad_amount_or_a_foreign_customer_writes_nothing(payment_env):
    world = payment_env["world"]
    for body, status in (
        ({"customer_id": world.sh_dealer.pk, "provider": "alipay", "amount": 12}, 422),
        ({"customer_id": world.sh_dealer.pk, "provider": "alipay", "amount": "0.001"}, 422),
        ({"customer_id": world.gz_dealer.pk, "provider": "alipay", "amount": "1"}, 404),
    ):
        res = payment_env["dealer"].post(
            "/api/v1/payment/top-ups", body, content_type="application/json"
        )
        assert res.status_code == status, res.content
    assert not TopUp.objects.exists()


def test_the_portal_page_shows_the_qr_code_and_then_the_payment(payment_env):
    dealer = payment_env["dealer"]
    page = dealer.get("/funds/top-up/")
    assert page.status_code == 200 and 'value="wechatpay"' in page.content.decode()
    res = dealer.post(
        "/funds/top-up/",
        {
            "customer": str(payment_env["world"].sh_dealer.pk),
            "amount": "300",
            "provider": "wechatpay",
        },
    )
    assert res.status_code == 302
    top_up = TopUp.objects.get()
    html = dealer.get(res["Location"]).content.decode()
    assert 'data-test="qr"' in html and "<svg" in html
    payment_env["wx"].call("POST", "/__sim__/pay", {"out_trade_no": top_up.out_trade_no})
    until(lambda: paid(top_up.out_trade_no))
    assert 'data-test="paid"' in dealer.get(res["Location"]).content.decode()


def test_without_a_provider_the_page_says_so(settings):
    settings.OMNI_ALIPAY_DIR = settings.OMNI_WECHATPAY_DIR = ""
    world = make_world()
    dealer = client_for(user_with("dlr", DEALER, "own", customer=world.sh_dealer))
    assert 'data-test="no-provider"' in dealer.get("/funds/top-up/").content.decode()


# --- refunds to the original method ---------------------------------------------------------

FINANCE = ["payment.topup.view", "payment.topup.refund", "ledger.account.view"]


def paid_top_up(env, provider: str, amount: str) -> dict:
    sim = env["ali" if provider == "alipay" else "wx"]
    top_up = start(env, provider, amount)
    sim.call("POST", "/__sim__/pay", {"out_trade_no": top_up["out_trade_no"]})
    until(lambda: paid(top_up["out_trade_no"]))
    return top_up


def refund(client, top_up: dict, amount: str):
    return client.post(
        f"/api/v1/payment/top-ups/{top_up['id']}/refunds",
        {"amount": amount, "reason": "客户申请退款"},
        content_type="application/json",
    )


@pytest.mark.parametrize("provider", ["alipay", "wechatpay"])
def test_partial_then_full_refund_and_never_more_than_paid(payment_env, provider):
    finance = client_for(user_with("fin", FINANCE, "org", org=payment_env["world"].east))
    top_up = paid_top_up(payment_env, provider, "100.00")
    res = refund(finance, top_up, "30.00")
    assert res.status_code == 201, res.content
    assert res.json()["status"] == "accepted"
    assert balance(top_up) == Decimal("70.00")
    res = refund(finance, top_up, "70.01")
    assert res.status_code == 409 and res.json()["code"] == "refund_exceeds_paid"
    assert res.json()["details"]["refundable"] == "70.00"
    assert refund(finance, top_up, "70.00").json()["status"] == "accepted"
    assert balance(top_up) == 0
    assert refund(finance, top_up, "0.01").json()["code"] == "refund_exceeds_paid"
    shown = finance.get(f"/api/v1/payment/top-ups/{top_up['id']}").json()
    assert shown["refunded"] == "100.00"


def test_money_already_spent_cannot_be_refunded(payment_env):
    from omni.ledger.services.accounts import counter_account
    from omni.ledger.services.posting import post_entry

    finance = client_for(user_with("fin", FINANCE, "org", org=payment_env["world"].east))
    top_up = paid_top_up(payment_env, "alipay", "50.00")
    sales = counter_account(payment_env["world"].east_sales.pk, "sales")
    post_entry(actor=SYSTEM, kind="capture", lines=[(top_up["account_id"], "-45"), (sales, "45")])
    res = refund(finance, top_up, "10.00")
    assert res.status_code == 409 and res.json()["code"] == "insufficient_funds"
    assert balance(top_up) == Decimal("5.00")


def test_a_refused_refund_puts_the_money_back_once(payment_env):
    finance = client_for(user_with("fin", FINANCE, "org", org=payment_env["world"].east))
    top_up = paid_top_up(payment_env, "wechatpay", "80.00")
    payment_env["wx"].call(
        "POST",
        "/__sim__/faults",
        {
            "api_errors": [
                {
                    "path_prefix": "/v3/refund/domestic/refunds",
                    "method": "POST",
                    "status": 403,
                    "code": "NOT_ENOUGH",
                    "message": "基本账户余额不足",
                }
            ]
        },
    )
    res = refund(finance, top_up, "20.00")
    assert res.status_code == 201 and res.json()["status"] == "failed"
    assert res.json()["failure"] == "NOT_ENOUGH"
    assert balance(top_up) == Decimal("80.00")
    # and the whole amount is still refundable
    assert refund(finance, top_up, "80.00").json()["status"] == "accepted"
    assert balance(top_up) == 0


def test_a_dealer_cannot_refund(payment_env):
    top_up = paid_top_up(payment_env, "alipay", "10.00")
    assert refund(payment_env["dealer"], top_up, "1.00").status_code == 403


def test_finance_refunds_from_the_top_up_page(payment_env):
    finance = client_for(user_with("fin", FINANCE, "org", org=payment_env["world"].east))
    top_up = paid_top_up(payment_env, "alipay", "40.00")
    url = f"/funds/top-ups/{top_up['id']}/"
    assert 'data-test="refund-form"' in finance.get(url).content.decode()
    assert 'data-test="refund-form"' not in payment_env["dealer"].get(url).content.decode()
    res = finance.post(url, {"amount": "50", "reason": "多付"})
    assert res.status_code == 200 and "amount" in res.context["refund_form"].errors
    res = finance.post(url, {"amount": "15.50", "reason": "多付"})
    assert res.status_code == 302
    assert 'data-test="refunds"' in finance.get(url).content.decode()
    assert balance(top_up) == Decimal("24.50")
