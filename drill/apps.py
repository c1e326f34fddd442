from django.apps import AppConfig


class DrillConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "drill"
    verbose_name = "Election-day drill"
