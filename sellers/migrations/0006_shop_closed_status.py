

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('sellers', '0005_listing_hold_reason'),
    ]

    operations = [
        migrations.AlterField(
            model_name='shop',
            name='status',
            field=models.CharField(choices=[('pending_verification', 'Waiting for verification'), ('active', 'Active'), ('suspended', 'Suspended'), ('closed', 'Closed')], default='pending_verification', max_length=24),
        ),
    ]
