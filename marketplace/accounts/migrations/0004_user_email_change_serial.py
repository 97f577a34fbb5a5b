from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0003_email_confirmation_time_zone_closing"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="email_change_serial",
            field=models.PositiveIntegerField(default=0),
        ),
    ]
