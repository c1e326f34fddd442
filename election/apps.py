from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ElectionConfig(AppConfig):
    name = "election"
    verbose_name = _("Election structure")
