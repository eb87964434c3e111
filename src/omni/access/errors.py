from django.utils.translation import gettext_lazy as _

from omni.kernel.errors import DomainError


class InvalidCredentials(DomainError):
    code = "invalid_credentials"
    status = 401
    default_message = _("Wrong username or password.")


class TooManyAttempts(DomainError):
    code = "too_many_attempts"
    status = 429
    default_message = _("Too many failed attempts. Try again later.")
