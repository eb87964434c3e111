from django.db import migrations


def create_triggers(apps, schema_editor):
    from omni.inventory import triggers
    from omni.kernel.append_only import run

    run(schema_editor.connection, triggers.create_sql(schema_editor.connection.vendor))


def drop_triggers(apps, schema_editor):
    from omni.inventory import triggers
    from omni.kernel.append_only import run

    run(schema_editor.connection, triggers.drop_sql(schema_editor.connection.vendor))


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_initial")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
