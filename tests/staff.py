"""Staff people in tests: make them, and sign them in the way staff sign in.

Every test that needs a signed-in staff member goes through these helpers, so the way staff
are signed in (a password today; a verified second factor when it is required) changes in
one place.
"""

from django.contrib.auth.models import Permission

from tests.factories import UserFactory

MODERATE = "moderation.moderate"


def staff_make(*, permissions=(MODERATE,), **fields):
    """A staff member holding the named permissions ("app_label.codename")."""
    user = UserFactory(is_staff=True, **fields)
    for name in permissions:
        app_label, codename = name.split(".", 1)
        user.user_permissions.add(
            Permission.objects.get(codename=codename, content_type__app_label=app_label)
        )
    return user


def staff_login(client, user):
    """Sign a staff member into a page client (django.test.Client)."""
    client.force_login(user)
    return client


def staff_api_login(api_client, user):
    """Sign a staff member into an API client (rest_framework.test.APIClient)."""
    api_client.force_authenticate(user)
    return api_client
