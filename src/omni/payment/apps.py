from django.apps import AppConfig


class PaymentConfig(AppConfig):
    name = "omni.payment"
    label = "payment"
    verbose_name = "Payments"

    def ready(self) -> None:
        from omni.kernel.integrity import register_state_model

        from .models import Transfer

        register_state_model(Transfer)
