"""Organisation, Region and SalesRegion now belong to `omni.tenancy` (tenancy 0001 adopts
their tables): re-point party's foreign keys and forget the old models, in Django's state
only. No table, column or row changes."""

import django.db.models.deletion
from django.db import migrations, models

PROTECT = django.db.models.deletion.PROTECT


class Migration(migrations.Migration):
    dependencies = [
        ("party", "0003_tags_unicode"),
        ("tenancy", "0001_initial"),
        # their foreign keys must leave party's models before those leave the state
        ("access", "0004_tenancy_models"),
        ("catalog", "0002_tenancy_models"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="customer",
                    name="org",
                    field=models.ForeignKey(on_delete=PROTECT, related_name="customers", to="tenancy.organization"),
                ),
                migrations.AlterField(
                    model_name="customer",
                    name="sales_region",
                    field=models.ForeignKey(blank=True, null=True, on_delete=PROTECT, to="tenancy.salesregion"),
                ),
                migrations.AlterField(
                    model_name="customer",
                    name="region",
                    field=models.ForeignKey(blank=True, help_text="district (or city) where the customer is registered", null=True, on_delete=PROTECT, related_name="+", to="tenancy.region"),
                ),
                migrations.AlterField(
                    model_name="address",
                    name="province",
                    field=models.ForeignKey(on_delete=PROTECT, related_name="+", to="tenancy.region"),
                ),
                migrations.AlterField(
                    model_name="address",
                    name="city",
                    field=models.ForeignKey(on_delete=PROTECT, related_name="+", to="tenancy.region"),
                ),
                migrations.AlterField(
                    model_name="address",
                    name="district",
                    field=models.ForeignKey(blank=True, null=True, on_delete=PROTECT, related_name="+", to="tenancy.region"),
                ),
                migrations.AlterField(
                    model_name="supplier",
                    name="org",
                    field=models.ForeignKey(on_delete=PROTECT, related_name="suppliers", to="tenancy.organization"),
                ),
                migrations.AlterField(
                    model_name="invitation",
                    name="org",
                    field=models.ForeignKey(on_delete=PROTECT, to="tenancy.organization"),
                ),
                migrations.AlterField(
                    model_name="dealerapplication",
                    name="org",
                    field=models.ForeignKey(blank=True, help_text="set from the invitation, or chosen by the reviewer", null=True, on_delete=PROTECT, to="tenancy.organization"),
                ),
                migrations.AlterField(
                    model_name="dealerapplication",
                    name="region",
                    field=models.ForeignKey(on_delete=PROTECT, related_name="+", to="tenancy.region"),
                ),
                migrations.DeleteModel(name="SalesRegion"),
                migrations.DeleteModel(name="Region"),
                migrations.DeleteModel(name="Organization"),
            ],
        ),
    ]
