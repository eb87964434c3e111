"""Organisations and sales regions moved from party to tenancy: re-point the foreign keys in
Django's state only (the tables and columns are unchanged; see tenancy 0001)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0003_scoped_tokens"),
        ("tenancy", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="user",
                    name="org",
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="tenancy.organization"),
                ),
                migrations.AlterField(
                    model_name="roleassignment",
                    name="org",
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="tenancy.organization"),
                ),
                migrations.AlterField(
                    model_name="roleassignment",
                    name="sales_regions",
                    field=models.ManyToManyField(blank=True, related_name="+", to="tenancy.salesregion"),
                ),
            ],
        ),
    ]
