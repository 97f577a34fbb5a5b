import django.db.models.functions
from django.db import migrations, models

import marketplace.accounts.time_zones


def confirm_existing_accounts(apps, schema_editor):
    """Accounts made before addresses were confirmed (and the demo data) count as confirmed."""
    User = apps.get_model("accounts", "User")
    User.objects.filter(email_confirmed_at__isnull=True).update(
        email_confirmed_at=django.db.models.functions.Coalesce("date_joined",
                                                               django.db.models.functions.Now()))


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_staff_tokens_known_browsers_reset_permission'),
    ]

    operations = [
        migrations.AddField(
            model_name='user',
            name='closed_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='user',
            name='email_confirmed_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='user',
            name='time_zone',
            field=models.CharField(default=marketplace.accounts.time_zones.default_time_zone,
                                   max_length=64),
        ),
        migrations.RunPython(confirm_existing_accounts, migrations.RunPython.noop),
    ]
