from django.urls import path

from . import autopay

app_name = "payment"

urlpatterns = [
    path("autopay/", autopay.rule_list, name="autopay-rules"),
    path("autopay/set/", autopay.rule_set, name="autopay-set"),
    path("autopay/delete/", autopay.rule_delete, name="autopay-delete"),
    path("autopay/plan/", autopay.plan_preview, name="autopay-plan"),
]
