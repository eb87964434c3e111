from django.db import migrations


def create_triggers(apps, schema_editor):
    from omni.ledger import triggers

    triggers.run(schema_editor.connection, triggers.create_sql(schema_editor.connection.vendor))


def drop_triggers(apps, schema_editor):
    from omni.ledger import triggers

    triggers.run(schema_editor.connection, triggers.drop_sql(schema_editor.connection.vendor))


def load_chart(apps, schema_editor):
    from omni.ledger.chart import load

    load(apps.get_model("ledger", "AccountType"))


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [
        migrations.RunPython(create_triggers, drop_triggers),
        migrations.RunPython(load_chart, migrations.RunPython.noop),
    ]
