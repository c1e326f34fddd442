"""Settings: production passes Django's deployment checks; the embedded default needs nothing."""

import os
import subprocess
import sys

from django.conf import settings
from django.core.management.utils import get_random_secret_key


def test_production_settings_pass_check_deploy(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": get_random_secret_key(),  # never a key written in the repo
        "DJANGO_ALLOWED_HOSTS": "baucu.example.vn",
        "BAUCU_VAR_DIR": str(tmp_path),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser harness, never in production
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_vietnamese_is_the_default_language():
    assert settings.LANGUAGE_CODE == "vi"
    assert [code for code, _ in settings.LANGUAGES] == ["vi", "en"]
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh"


def test_stack_follows_the_environment():
    if os.environ.get("DATABASE_URL"):
        assert settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
        assert settings.CHANNEL_LAYERS["default"]["BACKEND"].startswith("channels_redis")
    else:
        assert settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
        assert settings.CHANNEL_LAYERS["default"]["BACKEND"].endswith("InMemoryChannelLayer")
    assert settings.CELERY_TASK_ALWAYS_EAGER is (not os.environ.get("CELERY_BROKER_URL"))


def test_interface_is_vietnamese_even_for_an_english_browser(client):
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "Đăng nhập" in response.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="vi")
    assert "Log in" in response.content.decode()
