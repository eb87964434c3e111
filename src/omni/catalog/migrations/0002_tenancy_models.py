"""Organisations and sales regions moved from party to tenancy: re-point the foreign keys in
Django's state only (the tables and columns are unchanged; see tenancy 0001)."""

import django.db.models.deletion
from django.db import migrations, models


def _org():
    return models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="tenancy.organization")


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_initial"),
        ("tenancy", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                *(
                    migrations.AlterField(model_name=model, name="org", field=_org())
                    for model in ("brand", "category", "product", "authorisationrule")
                ),
                migrations.AlterField(
                    model_name="authorisationrule",
                    name="sales_region",
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="tenancy.salesregion"),
                ),
            ],
        ),
    ]
