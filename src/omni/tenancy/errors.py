"""Tenancy error codes (stable; `party` re-exports them for its own rows).

=================  ====  ==================================================================
code               HTTP  when
=================  ====  ==================================================================
duplicate_code     409   an organisation or region code is taken
cyclic_hierarchy   422   moving an organisation or region under itself or a descendant
unknown_region     404   a region code names nothing (an UnknownReference)
=================  ====  ==================================================================
"""

from django.utils.translation import gettext_lazy as _

from omni.kernel.errors import Conflict, InvalidInput, UnknownReference, coded

DuplicateCode = coded(Conflict, "duplicate_code", _("This code is already in use."))
CyclicHierarchy = coded(
    InvalidInput,
    "cyclic_hierarchy",
    _("An item cannot be placed under itself or one of its descendants."),
)
UnknownRegion = coded(UnknownReference, "unknown_region", _("Unknown region code."))
