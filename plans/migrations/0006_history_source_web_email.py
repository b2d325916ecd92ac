# History sources for changes made from the web pages and from links in emails.
# Choices live only in Django's state: no database change (state-only).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('plans', '0005_relation_verbose_names'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='historyevent',
                    name='source',
                    field=models.CharField(choices=[('api', 'API'), ('admin', 'admin'), ('web', 'web page'), ('email', 'email link'), ('task', 'task'), ('command', 'command'), ('database', 'database (outside the application)')], max_length=10, verbose_name='source'),
                ),
            ],
            database_operations=[],
        ),
    ]
