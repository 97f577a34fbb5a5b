from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

import staffguard

from .throttling import login_attempt_begin, login_attempt_succeeded

User = get_user_model()


class InvalidCredentials(Exception):
    http_status = 400

    def __init__(self):
        super().__init__("That e-mail address and password do not match an account.")


def user_register(*, email: str, password: str, display_name: str) -> User:
    """Create a buyer account; raise ValidationError with field errors on bad input."""
    email = User.objects.normalize_email(email.strip()).lower()
    display_name = display_name.strip()
    errors: dict[str, list[str]] = {}
    if User.objects.filter(email__iexact=email).exists():
        errors["email"] = ["An account with this e-mail address already exists."]
    if not display_name:
        errors["display_name"] = ["Please tell us the name to show on your account."]
    try:
        validate_password(password, user=User(email=email, display_name=display_name))
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            return User.objects.create_user(
                email=email, password=password, display_name=display_name
            )
    except IntegrityError:  # the same address registered a moment ago by another request
        raise ValidationError(
            {"email": ["An account with this e-mail address already exists."]}
        ) from None


def user_authenticate(*, request, email: str, password: str) -> User:
    """Check a log-in under the attempt limits; raise InvalidCredentials or LoginThrottled."""
    email = email.strip().lower()
    ip = request.META.get("REMOTE_ADDR", "") if request is not None else ""
    login_attempt_begin(email=email, ip=ip)
    user = authenticate(request, email=email, password=password)
    if user is None:
        raise InvalidCredentials()
    # Staff still owe a code: their account's failures are cleared by a verified code, so a
    # known password cannot be used to wipe the count of wrong codes.
    owes_code = user.is_staff and staffguard.second_factor_required()
    login_attempt_succeeded(email=email, ip=ip, account=not owes_code)
    return user
