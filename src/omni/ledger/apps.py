from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_chart(sender, using="default", **kwargs) -> None:
    """The standard chart of account types exists after every migrate and flush (a flush
    empties the rows the data migration wrote, as it does contenttypes')."""
    from .chart import load
    from .models import AccountType

    if not AccountType.objects.using(using).exists():
        load(AccountType)


class LedgerConfig(AppConfig):
    name = "omni.ledger"
    label = "ledger"
    verbose_name = "Fund pool ledger"

    def ready(self) -> None:
        from . import integrity  # noqa: F401  (registers the ledger checks)

        post_migrate.connect(_ensure_chart, sender=self)
