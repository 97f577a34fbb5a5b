import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k3J9-production-like-secret-9fQ2xV7pL0sT4wZ8mN1bR6cY5hD3gA0eU2iO",
    "ALLOWED_HOSTS": "market.example.com",
    "STRIPE_SECRET_KEY": "sk_live_example",
    "STRIPE_WEBHOOK_SECRET": "whsec_example",
    "STRIPE_CONNECT_WEBHOOK_SECRET": "whsec_connect_example",
    "SITE_URL": "https://market.example.com",
    "SMS_URL": "twilio://ACexample:token_example@api.twilio.com?from=%2B15551234567",
}


def manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for themselves; production never has it.
    leave_out = {*PRODUCTION, "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in leave_out}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120,
    )


def test_production_without_secret_key_refuses_to_start_with_a_clear_message():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "Production mode (DEBUG=0) needs these environment variables: SECRET_KEY." in (
        result.stderr
    )


def test_production_without_site_url_refuses_to_start():
    env = {k: v for k, v in PRODUCTION.items() if k != "SITE_URL"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "Production mode (DEBUG=0) needs these environment variables: SITE_URL." in (
        result.stderr
    )


def test_production_refuses_a_site_url_that_is_not_https():
    result = manage("check", env={**PRODUCTION, "SITE_URL": "http://market.example.com"})
    assert result.returncode != 0
    assert "SITE_URL must be the site's https:// address in production" in result.stderr
    good = manage("shell", "-c", "from django.conf import settings; print(settings.SITE_URL)",
                  env=PRODUCTION)
    assert good.returncode == 0, good.stderr
    assert good.stdout.strip().splitlines()[-1] == "https://market.example.com"


def test_production_without_allowed_hosts_refuses_to_start():
    env = {k: v for k, v in PRODUCTION.items() if k != "ALLOWED_HOSTS"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_production_settings_pass_check_deploy_with_no_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    # The one silenced check is auth.W004: the log-in address is unique among accounts that
    # have one, by a conditional constraint the check cannot see (see settings).
    assert "System check identified no issues (1 silenced)." in result.stdout


def test_check_deploy_warns_when_the_connect_webhook_secret_is_missing():
    env = {k: v for k, v in PRODUCTION.items() if k != "STRIPE_CONNECT_WEBHOOK_SECRET"}
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "(marketplace.W020) STRIPE_CONNECT_WEBHOOK_SECRET is empty" in result.stderr
    # A warning, not a refusal: the site starts and serves without Stripe Connect.
    assert manage("check", "--deploy", env=env).returncode == 0


def test_check_deploy_warns_when_texts_are_only_written_down():
    env = {k: v for k, v in PRODUCTION.items() if k != "SMS_URL"}
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "(marketplace.W030) SMS_URL is console://: text messages are written down" in (
        result.stderr)
    incomplete = manage("check", env={**PRODUCTION, "SMS_URL": "twilio://ACx:y@api.twilio.com"})
    assert incomplete.returncode != 0
    assert "(marketplace.E030) SMS_URL must be twilio://ACCOUNT_SID:AUTH_TOKEN@" in (
        incomplete.stderr)


def test_a_bad_rule_value_is_refused_with_its_name():
    result = manage("check", env={"PLATFORM_FEE_BPS": "five percent"})
    assert result.returncode != 0
    assert "PLATFORM_FEE_BPS must be a whole number, not 'five percent'." in result.stderr


def test_staff_second_factor_optional_refuses_to_start_in_production():
    result = manage("check", env={**PRODUCTION, "STAFF_SECOND_FACTOR": "optional"})
    assert result.returncode != 0
    assert "STAFF_SECOND_FACTOR=optional is only accepted with DEBUG=1" in result.stderr


def test_staff_second_factor_is_required_unless_told_and_checks_its_value():
    shown = manage("shell", "-c", "from django.conf import settings; "
                   "print(settings.STAFF_SECOND_FACTOR)", env={"DEBUG": "1"})
    assert shown.stdout.strip().splitlines()[-1] == "required"
    optional = manage("shell", "-c", "from django.conf import settings; "
                      "print(settings.STAFF_SECOND_FACTOR)",
                      env={"DEBUG": "1", "STAFF_SECOND_FACTOR": "optional"})
    assert optional.stdout.strip().splitlines()[-1] == "optional"
    bad = manage("check", env={"DEBUG": "1", "STAFF_SECOND_FACTOR": "sometimes"})
    assert bad.returncode != 0
    assert "STAFF_SECOND_FACTOR must be required or optional" in bad.stderr
