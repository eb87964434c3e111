"""Access error codes (stable: never rename one): one row each, code, HTTP status and message.

======================  ====  =================================================================
code                    HTTP  when
======================  ====  =================================================================
invalid_credentials     401   wrong username or password
unknown_permission      422   a permission name that is not registered
duplicate_code          409   a role code is taken
cannot_grant            403   granting (to a role, user or token) what the actor does not hold
cannot_manage           403   changing a user who holds more than the actor
portal_role_mismatch    422   a portal role for a staff user, or a staff role for a portal user
scope_required          422   a data scope without what it covers
duplicate_assignment    409   the same role with the same data scope twice
cannot_deactivate_self  409   deactivating one's own account
invalid_setup_link      404   a portal password link that is wrong, used or expired
======================  ====  =================================================================
"""

from django.utils.translation import gettext_lazy as _

from omni.kernel.errors import Conflict, DomainError, InvalidInput, PermissionDenied, coded

InvalidCredentials = coded(
    DomainError, "invalid_credentials", _("Wrong username or password."), status=401
)
UnknownPermission = coded(InvalidInput, "unknown_permission", _("Some permissions do not exist."))
DuplicateCode = coded(Conflict, "duplicate_code", _("This code is already used."))
CannotGrant = coded(
    PermissionDenied,
    "cannot_grant",
    _("You cannot grant permissions or a data scope that you do not have yourself."),
)
# the same code for a token asked to hold more than its creator
TokenCannotGrant = coded(
    PermissionDenied,
    "cannot_grant",
    _("A token cannot hold permissions that you (or your token) do not have."),
)
CannotManage = coded(
    PermissionDenied,
    "cannot_manage",
    _("You cannot change a user who holds permissions that you do not have."),
)
PortalRoleMismatch = coded(
    InvalidInput,
    "portal_role_mismatch",
    _(
        "Portal roles are only for users bound to a customer, and users bound to a customer "
        "can only have portal roles."
    ),
)
ScopeRequired = coded(InvalidInput, "scope_required", _("Choose what this data scope covers."))
DuplicateAssignment = coded(
    Conflict,
    "duplicate_assignment",
    _("The user already has this role with this data scope."),
)
CannotDeactivateSelf = coded(
    Conflict, "cannot_deactivate_self", _("You cannot deactivate your own account.")
)
InvalidSetupLink = coded(
    InvalidInput,
    "invalid_setup_link",
    _("This link is not valid any more. Ask your contact for a new one."),
    status=404,
)
