"""System checks that need the outside world: run by `manage.py check`, `migrate` (the
deployment's first step) and `runserver`, so a wrong setting stops the start, not a request."""

from django.conf import settings
from django.core.checks import Error, register
from django.core.checks import Warning as CheckWarning

MEDIA_BUCKET_MISSING = "marketplace.E010"
MEDIA_BUCKET_UNREACHABLE = "marketplace.E011"


@register("media_storage")
def media_bucket_exists(app_configs=None, **kwargs):
    """With MEDIA_STORAGE=s3 the bucket must exist and answer before the first upload."""
    if settings.MEDIA_STORAGE != "s3":
        return []
    # boto3 is loaded only when object storage is in use.
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError
    from django.core.files.storage import storages

    storage = storages["default"]
    where = storage.endpoint_url or "AWS S3"
    client = boto3.session.Session().client(
        "s3", endpoint_url=storage.endpoint_url, region_name=storage.region_name,
        aws_access_key_id=storage.access_key or None,
        aws_secret_access_key=storage.secret_key or None,
        config=Config(connect_timeout=5, read_timeout=5, retries={"max_attempts": 1}),
    )
    try:
        client.head_bucket(Bucket=storage.bucket_name)
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        if code in {"404", "NoSuchBucket"}:
            return [Error(
                f"MEDIA_STORAGE=s3: the bucket {storage.bucket_name!r} does not exist at "
                f"{where}.",
                hint="Create the bucket, or set AWS_STORAGE_BUCKET_NAME to an existing one.",
                id=MEDIA_BUCKET_MISSING,
            )]
        return [Error(
            f"MEDIA_STORAGE=s3: the bucket {storage.bucket_name!r} at {where} refused us "
            f"({code or error}).",
            hint="Check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY and the bucket's policy.",
            id=MEDIA_BUCKET_UNREACHABLE,
        )]
    except BotoCoreError as error:
        return [Error(
            f"MEDIA_STORAGE=s3: could not reach the bucket {storage.bucket_name!r} at {where}: "
            f"{error}",
            hint="Check AWS_S3_ENDPOINT_URL and the network.",
            id=MEDIA_BUCKET_UNREACHABLE,
        )]
    return []


CONNECT_EVENTS_UNVERIFIED = "marketplace.W020"


@register("payments", deploy=True)
def connect_webhook_secret_set(app_configs=None, **kwargs):
    """Stripe sends the connected accounts' events (`account.updated`) to a Connect endpoint
    signed with its own secret: without it, a payout account's status changes only when its
    seller comes back from onboarding."""
    if settings.STRIPE_CONNECT_WEBHOOK_SECRET:
        return []
    return [CheckWarning(
        "STRIPE_CONNECT_WEBHOOK_SECRET is empty: account.updated events from Stripe Connect "
        "cannot be verified, so payout accounts are not kept current.",
        hint="Add a Connect webhook endpoint in the Stripe dashboard (events on connected "
             "accounts, account.updated) and set its signing secret.",
        id=CONNECT_EVENTS_UNVERIFIED,
    )]


SMS_URL_INCOMPLETE = "marketplace.E030"
SMS_NOT_SENT = "marketplace.W030"


@register("notifications")
def sms_url_complete(app_configs=None, **kwargs):
    """A twilio:// SMS_URL needs the account SID, the auth token and the sender number."""
    from urllib.parse import urlsplit

    from django.core.exceptions import ImproperlyConfigured

    from notifications.sms import twilio_settings

    url = urlsplit(settings.SMS_URL)
    if url.scheme != "twilio":
        return []
    try:
        twilio_settings(url)
    except ImproperlyConfigured as error:
        return [Error(str(error), hint="Take the SID and token from the Twilio console and the "
                      "sender from your Twilio phone numbers.", id=SMS_URL_INCOMPLETE)]
    return []


@register("notifications", deploy=True)
def sms_sent_for_real(app_configs=None, **kwargs):
    """In production texts must leave: console:// and file:// only write them down."""
    scheme = settings.SMS_URL.split(":", 1)[0]
    if scheme == "twilio":
        return []
    return [CheckWarning(
        f"SMS_URL is {scheme}://: text messages are written down, not sent, so neighbours "
        "who have only a phone hear nothing.",
        hint="Set SMS_URL=twilio://ACCOUNT_SID:AUTH_TOKEN@api.twilio.com?from=%2B1…",
        id=SMS_NOT_SENT,
    )]
