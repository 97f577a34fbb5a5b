"""Log-in by e-mail address. An address is unique among accounts that have one (a conditional
constraint: a hub's neighbour may have none), so an empty address never logs anyone in."""

from django.contrib.auth.backends import ModelBackend


class EmailBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        email = kwargs.get("email", username)
        if not email or not str(email).strip() or password is None:
            return None
        return super().authenticate(request, username=str(email).strip(), password=password)
