from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("hello", "0001_initial")]
    operations = [
        migrations.CreateModel(
            name="JobDone",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("token", models.CharField(max_length=64, unique=True)),
                ("seconds", models.FloatField()),
                ("release", models.CharField(max_length=64)),
                ("finished_at", models.DateTimeField(auto_now_add=True)),
            ],
        ),
    ]
