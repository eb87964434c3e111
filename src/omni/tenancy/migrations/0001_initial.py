"""Organisation, Region and SalesRegion move from `party` to `tenancy`.

The tables stay where they are (`party_organization`, `party_region`, `party_salesregion`,
`party_salesregion_regions`): this migration only tells Django's state that the models now
belong to tenancy (SeparateDatabaseAndState with no database operations), and renames their
content types so permissions and admin history follow. `party` 0004, `access` 0004 and
`catalog` 0002 re-point their foreign keys in the state only; `party` 0004 then removes its
old models from the state. A database at the old head upgrades without touching a row.
"""

import django.db.models.deletion
from django.db import migrations, models

MODELS = ("organization", "region", "salesregion")


def move_content_types(apps, schema_editor, old="party", new="tenancy"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MODELS:
        if ContentType.objects.using(db).filter(app_label=new, model=model).exists():
            continue
        ContentType.objects.using(db).filter(app_label=old, model=model).update(app_label=new)


def restore_content_types(apps, schema_editor):
    move_content_types(apps, schema_editor, old="tenancy", new="party")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("party", "0003_tags_unicode"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Organization",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("code", models.CharField(max_length=32, unique=True)),
                        ("name", models.CharField(max_length=100)),
                        ("kind", models.CharField(choices=[("group", "Enterprise group"), ("subsidiary", "Subsidiary"), ("sales_org", "Sales organisation"), ("department", "Department")], max_length=16)),
                        ("path", models.CharField(db_index=True, editable=False, max_length=255)),
                        ("is_active", models.BooleanField(default=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        ("parent", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="children", to="tenancy.organization")),
                    ],
                    options={"db_table": "party_organization"},
                ),
                migrations.CreateModel(
                    name="Region",
                    fields=[
                        ("code", models.CharField(max_length=12, primary_key=True, serialize=False)),
                        ("name", models.CharField(max_length=60)),
                        ("level", models.PositiveSmallIntegerField(choices=[(1, "Province"), (2, "City"), (3, "District")])),
                        ("parent", models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name="children", to="tenancy.region")),
                    ],
                    options={"db_table": "party_region"},
                ),
                migrations.CreateModel(
                    name="SalesRegion",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("code", models.CharField(max_length=32, unique=True)),
                        ("name", models.CharField(max_length=60)),
                        ("kind", models.CharField(choices=[("area", "Sales area"), ("district", "Sales district")], max_length=16)),
                        ("org", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="sales_regions", to="tenancy.organization")),
                        ("parent", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="children", to="tenancy.salesregion")),
                        ("regions", models.ManyToManyField(blank=True, db_table="party_salesregion_regions", related_name="sales_regions", to="tenancy.region")),
                    ],
                    options={"db_table": "party_salesregion"},
                ),
            ],
        ),
        migrations.RunPython(move_content_types, restore_content_types, elidable=True),
    ]
