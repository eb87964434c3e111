"""Party API request and response schemas (organisations, regions, customers, dealer
applications, suppliers)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Path, Schema
from phonenumbers import PhoneMetadata
from pydantic import model_validator

from omni.party.services import (
    customers,
)
from omni.party.states import REASON_REQUIRED, CustomerStatus
from omni.party.validation import MAX_TAG_LENGTH, MAX_TAGS

from ...pagination import PageIn
from ...schemas import (
    NAME_PATTERN,
    Bool,
    Id,
    Input,
    Int,
    QueryId,
    choices_of,
    code_of,
    line,
    line_of,
    max_length_of,
    name,
    name_of,
    rule_error,
    text,
)

OrgKind = choices_of("tenancy.Organization", "kind")
SalesRegionKind = choices_of("tenancy.SalesRegion", "kind")
CustomerKind = choices_of("party.Customer", "kind")
ApplicationStatus = choices_of("party.DealerApplication", "status")
# Administrative region codes (GB/T 2260): 6 digits (district), longer for towns.
REGION_CODE = r"^[0-9]{6,12}$"
RegionCode = Annotated[str, Field(pattern=REGION_CODE)]


def _phone_pattern() -> str:
    """Exactly the numbers libphonenumber (which the party services use) calls valid for
    China, in their national form: a mobile number, or 0 + a landline, toll-free or
    shared-cost number. Built from libphonenumber's own metadata."""
    meta = PhoneMetadata.metadata_for_region("CN")

    def pattern(desc: Any) -> str:
        return desc.national_number_pattern.replace(r"\d", "[0-9]")

    landline = "|".join(
        pattern(getattr(meta, kind))
        for kind in ("fixed_line", "toll_free", "premium_rate", "shared_cost")
    )
    return rf"^(?:0(?:{landline})|{pattern(meta.mobile)})$"


PHONE_PATTERN = _phone_pattern()


def Phone(label: str, field: str = "phone", *, optional: bool = False) -> Any:
    return Annotated[
        str,
        Field(
            pattern=(r"^$|" + PHONE_PATTERN) if optional else PHONE_PATTERN,
            max_length=max_length_of(label, field),
            description="a Chinese mobile number, or 0 and a landline number, digits only"
            + (", or empty" if optional else ""),
        ),
    ]


# Empty, or an 18-character unified social credit code with its check character.
TaxNumber = Annotated[
    str,
    Field(
        pattern=r"^$|^[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{18}$",
        max_length=18,
        json_schema_extra={"format": "cn-tax-number"},
        examples=["91310115MA1K4X0B25"],
        description="empty, or a unified social credit code (统一社会信用代码, check character "
        "verified)",
    ),
]


# --- schemas --------------------------------------------------------------------------------


class OrgOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    path: str
    is_active: bool


class OrgIn(Input):
    code: code_of("party.Organization")
    name: name_of("party.Organization")
    kind: OrgKind
    parent_id: Id | None = None


class MoveIn(Input):
    parent_id: Id


class RegionOut(Schema):
    code: str
    name: str
    level: int
    parent_id: str | None


class SalesRegionOut(Schema):
    id: int
    org_id: int
    code: str
    name: str
    kind: str
    parent_id: int | None


class SalesRegionIn(Input):
    org_id: Id
    code: code_of("party.SalesRegion")
    name: name_of("party.SalesRegion")
    kind: SalesRegionKind
    parent_id: Id | None = None
    region_codes: list[RegionCode] = Field(default_factory=list, max_length=500)


class RefOut(Schema):
    id: int
    code: str
    name: str


class ClassIn(Input):
    code: code_of("party.CustomerClass")
    name: name_of("party.CustomerClass")


class LevelIn(Input):
    code: code_of("party.CustomerLevel")
    name: name_of("party.CustomerLevel")
    rank: Int(ge=1, le=99)


class LevelOut(RefOut):
    rank: int


class CustomerOut(Schema):
    id: int
    code: str
    name: str
    short_name: str
    kind: str
    status: str
    org_id: int
    class_id: int | None = Field(None, alias="customer_class_id")
    level_id: int | None
    sales_region_id: int | None
    region_code: str | None = Field(None, alias="region_id")
    account_manager_id: int | None
    upper_id: int | None
    tags: list[str]
    invoice_title: str
    tax_number: str
    created_at: dt.datetime
    updated_at: dt.datetime


CustomerOrdering = Literal[
    "code",
    "-code",
    "name",
    "-name",
    "created_at",
    "-created_at",
    "updated_at",
    "-updated_at",
    "status",
    "-status",
]


class CustomerFilter(PageIn):
    search: line(60) = ""
    status: CustomerStatus | None = None
    kind: CustomerKind | None = None
    org_id: QueryId | None = None
    sales_region_id: QueryId | None = None
    class_id: QueryId | None = None
    level_id: QueryId | None = None
    province_code: str = Field("", pattern=r"^([0-9]{2}([0-9]{4})?)?$")
    tag: line(30) = ""
    ordering: CustomerOrdering = "code"


Tag = Annotated[name(MAX_TAG_LENGTH), Field(description="a tag: one line")]


class CustomerIn(Input):
    name: name_of("party.Customer")
    kind: CustomerKind
    org_id: Id
    short_name: line_of("party.Customer", "short_name") = ""
    class_id: Id | None = None
    level_id: Id | None = None
    sales_region_id: Id | None = None
    region_code: Annotated[str, Field(pattern=r"^$|" + REGION_CODE)] = ""
    account_manager_id: Id | None = None
    upper_id: Id | None = None
    tags: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS)
    invoice_title: line_of("party.Customer", "invoice_title") = ""
    tax_number: TaxNumber = ""

    def data(self) -> customers.CustomerData:
        return customers.CustomerData(**self.model_dump())


class NewCustomerIn(CustomerIn):
    code: code_of("party.Customer")

    def data(self) -> customers.CustomerData:
        return customers.CustomerData(**self.model_dump(exclude={"code"}))


class StatusIn(Input):
    """`freeze` and `exit` need a reason (party.states.REASON_REQUIRED)."""

    model_config = {
        "json_schema_extra": {
            "anyOf": [
                {"properties": {"action": {"enum": ["activate", "unfreeze"]}}},
                {"required": ["reason"], "properties": {"reason": {"pattern": NAME_PATTERN}}},
            ]
        }
    }

    action: Literal["activate", "freeze", "unfreeze", "exit"]
    reason: line(500) = ""

    @model_validator(mode="after")
    def _reason(self) -> StatusIn:
        if self.action in REASON_REQUIRED and not self.reason:
            raise rule_error("reason_required", f"{self.action} needs a reason")
        return self


class ContactIn(Input):
    name: name_of("party.Contact")
    phone: Phone("party.Contact")
    position: line_of("party.Contact", "position") = ""
    is_primary: Bool = False


class ContactOut(Schema):
    id: int
    name: str
    phone: str
    position: str
    is_primary: bool


class AddressIn(Input):
    district_code: RegionCode
    street: name_of("party.Address", "street")
    receiver: name_of("party.Address", "receiver")
    phone: Phone("party.Address")
    is_default: Bool = False


class AddressOut(Schema):
    id: int
    province_id: str
    city_id: str
    district_id: str | None
    street: str
    receiver: str
    phone: str
    is_default: bool


class ApplicationIn(Input):
    company_name: name_of("party.DealerApplication", "company_name")
    contact_name: name_of("party.DealerApplication", "contact_name")
    phone: Phone("party.DealerApplication")
    region_code: RegionCode
    address: line_of("party.DealerApplication", "address") = ""
    business_scope: text(2000) = ""
    tax_number: TaxNumber = ""
    invitation_token: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{0,64}$")] = ""


class ApplicationOut(Schema):
    id: int
    company_name: str
    contact_name: str
    phone: str
    region_id: str
    status: str
    review_note: str
    org_id: int | None
    customer_id: int | None
    created_at: dt.datetime


class SubmittedApplicationOut(ApplicationOut):
    status_token: str = Field(
        description="the applicant's private key to follow and amend the application"
    )


class ApplicantViewOut(Schema):
    company_name: str
    status: str
    review_note: str
    created_at: dt.datetime
    updated_at: dt.datetime


class ResubmitIn(Input):
    business_scope: Annotated[
        str, Field(min_length=1, max_length=2000, pattern=r"^[^\x00]*[^\x00\s][^\x00]*$")
    ]
    tax_number: TaxNumber = ""
    address: line_of("party.DealerApplication", "address") = ""


class ApplicationFilter(PageIn):
    status: ApplicationStatus | Literal[""] = ""


class ApproveIn(Input):
    customer_code: code_of("party.Customer")
    org_id: Id
    kind: CustomerKind = "dealer"
    class_id: Id | None = None
    level_id: Id | None = None
    sales_region_id: Id | None = None
    upper_id: Id | None = None


class NoteIn(Input):
    note: Annotated[
        str, Field(min_length=1, max_length=1000, pattern=r"^[^\x00]*[^\x00\s][^\x00]*$")
    ]


class InvitationIn(Input):
    org_id: Id
    note: line_of("party.Invitation", "note") = ""


class InvitationOut(Schema):
    id: int
    token: str
    org_id: int
    expires_at: dt.datetime


class SupplierIn(Input):
    org_id: Id
    code: code_of("party.Supplier")
    name: name_of("party.Supplier")
    contact_name: line_of("party.Supplier", "contact_name") = ""
    phone: Phone("party.Supplier", optional=True) = ""
    tax_number: TaxNumber = ""


class SupplierOut(Schema):
    id: int
    org_id: int
    code: str
    name: str
    contact_name: str
    phone: str
    tax_number: str
    is_active: bool


StatusToken = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


class SupplierUpdateIn(Input):
    name: name_of("party.Supplier")
    contact_name: line_of("party.Supplier", "contact_name") = ""
    phone: Phone("party.Supplier", optional=True) = ""
    tax_number: TaxNumber = ""
    is_active: Bool = True
