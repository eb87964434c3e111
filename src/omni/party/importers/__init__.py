"""Excel importers of the party app (autodiscovered by the kernel) and the rows of their
exports: customers (`customers`) and their contacts and delivery addresses (`contacts`).
Each module is a sheet description plus a mapping of its rows to the commands of the bulk
services (`services.customer_batch`, `services.contact_batch`), which hold every rule.

The kernel writes one audit entry per job with the counts; rows that change nothing are
not written.
"""

from omni.kernel.imports import register_importer

from ._cells import KIND_LABELS, KINDS, YES_NO
from .contacts import (
    ADDRESS,
    CONTACT,
    CONTACT_SPEC,
    ENTRY_KINDS,
    ENTRY_LABELS,
    ContactAddressImporter,
    contact_address_rows,
)
from .customers import CUSTOMER_SPEC, CustomerImporter, customer_rows

register_importer("party.customers", CustomerImporter())
register_importer("party.contacts_addresses", ContactAddressImporter())

__all__ = [
    "ADDRESS",
    "CONTACT",
    "CONTACT_SPEC",
    "CUSTOMER_SPEC",
    "ENTRY_KINDS",
    "ENTRY_LABELS",
    "KINDS",
    "KIND_LABELS",
    "YES_NO",
    "ContactAddressImporter",
    "CustomerImporter",
    "contact_address_rows",
    "customer_rows",
]
