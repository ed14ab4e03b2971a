"""The fields of event log v1 and how each is checked; one line in, a Fact or its field errors out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ledger.domain.enrolment import EXIT_REASONS, SEXES
from ledger.domain.programme import BENEFITS, DEFAULT_CURRENCY
from ledger.facts import Fact, Origin
from ledger.interchange.values import (
    CURRENCY,
    EVENT_ID,
    IDENTIFIER,
    NOTE,
    OPERATOR,
    PROGRAMME,
    REASON,
    Check,
    Invalid,
    amount,
    choice,
    date,
    district,
    district_list,
    json_type,
    period,
    province_code,
    remembered,
    text,
    timestamp,
)


@dataclass(frozen=True, slots=True)
class FieldError:
    """One refused field of one line: rendered as `file:line: field: reason`."""

    origin: Origin
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.origin}: {self.field}: {self.reason}"



ENVELOPE: dict[str, Check] = {
    "id": EVENT_ID,
    "recorded_at": timestamp,
    "operator": OPERATOR,
    "recorded_by": OPERATOR,  # who the store proved recorded it: only a restore may say (SPEC §12)
    "note": NOTE,
}


@dataclass(frozen=True, slots=True)
class Spec:
    """One event's own fields: which are required and how each is checked."""

    event: str
    required: Mapping[str, Check]
    optional: Mapping[str, Check]
    names: frozenset[str] = frozenset()
    required_items: tuple[tuple[str, Check], ...] = ()
    optional_items: tuple[tuple[str, Check], ...] = ()

    def __post_init__(self) -> None:
        known = set(self.required) | set(self.optional) | set(ENVELOPE) | {"event", "effective_date"}
        object.__setattr__(self, "names", frozenset(known))
        object.__setattr__(self, "required_items", tuple(self.required.items()))
        object.__setattr__(self, "optional_items", tuple(self.optional.items()))


EVENTS: dict[str, Spec] = {spec.event: spec for spec in (
    Spec(
        "ProgrammeRegistered",
        {"programme": PROGRAMME, "name": text(200), "benefit": choice(BENEFITS)},
        {"currency": CURRENCY},
    ),
    Spec("DistrictExpanded", {"programme": PROGRAMME, "district": district}, {}),
    Spec("DistrictWithdrawn", {"programme": PROGRAMME, "district": district}, {}),
    Spec(
        "BeneficiaryEnrolled",
        {
            "programme": PROGRAMME,
            "beneficiary": IDENTIFIER,
            "district": district,
            "sex": choice(SEXES),
        },
        {"birth_date": date, "household": IDENTIFIER},
    ),
    Spec(
        "BeneficiaryTransferred",
        {"programme": PROGRAMME, "beneficiary": IDENTIFIER, "district": district}, {}
    ),
    Spec(
        "BeneficiaryExited",
        {"programme": PROGRAMME, "beneficiary": IDENTIFIER, "reason": choice(EXIT_REASONS)}, {}
    ),
    Spec(
        "PaymentRecorded",
        {
            "programme": PROGRAMME,
            "beneficiary": IDENTIFIER,
            "payment": IDENTIFIER,
            "amount": amount,
            "period": period,
        },
        {"currency": CURRENCY},
    ),
    Spec(
        "PaymentReversed",
        {"programme": PROGRAMME, "payment": IDENTIFIER, "reason": REASON}, {}
    ),
    Spec("EventRetracted", {"retracts": EVENT_ID, "reason": REASON}, {}),
    Spec(
        "DistrictEstablished",
        {"district": district, "province": remembered(province_code), "name": text(200)},
        {"from": district_list},
    ),
    Spec("DistrictRenamed", {"district": district, "name": text(200)}, {}),
    Spec("DistrictRetired", {"district": district, "successors": district_list}, {}),
)}

GEOGRAPHY_EVENTS = frozenset({"DistrictEstablished", "DistrictRenamed", "DistrictRetired"})
ATTRIBUTES = {"from": "carved_from"}
"""A field whose event attribute is named otherwise (`from` is a Python keyword)."""



def parse(obj: Any, origin: Origin) -> Fact | list[FieldError]:
    """Check one decoded line; return the Fact, or every field error found on it."""
    if obj.__class__ is dict:
        name = obj.get("event")
        spec = EVENTS.get(name) if name.__class__ is str else None
        if spec is not None:
            try:
                return _well_formed(obj, spec, origin)
            except (Invalid, KeyError, TypeError, ValueError):
                pass  # something is wrong with it: the full check below says what
    return _checked(obj, origin)


def _well_formed(obj: dict[str, Any], spec: Spec, origin: Origin) -> Fact:
    """The Fact of a line whose every field is right; raises at the first that is not.

    The common case, made quick: no error list, no per-field bookkeeping. Whatever it raises,
    `_checked` looks at the line again and reports every error on it.
    """
    if not obj.keys() <= spec.names:
        raise Invalid("a field that is not the event's")
    fields = {key: check(obj[key]) for key, check in spec.required_items}
    for key, check in spec.optional_items:
        value = obj.get(key)
        fields[key] = None if value is None else check(value)
    _default_currency(spec.event, fields)
    if spec.event in GEOGRAPHY_EVENTS and _inconsistent(spec.event, fields):
        raise Invalid("fields that disagree")
    get = obj.get
    event_id, recorded_at, operator, note = (get("id"), get("recorded_at"), get("operator"),
                                             get("note"))
    recorded_by = get("recorded_by")
    return Fact(
        event=spec.event,
        effective_date=date(obj["effective_date"]),
        fields=fields,
        id=None if event_id is None else EVENT_ID(event_id),
        recorded_at=None if recorded_at is None else timestamp(recorded_at),
        operator=None if operator is None else OPERATOR(operator),
        recorded_by=None if recorded_by is None else OPERATOR(recorded_by),
        note=None if note is None else NOTE(note),
        origin=origin,
    )


def _checked(obj: Any, origin: Origin) -> Fact | list[FieldError]:
    """Check every field of one decoded line, collecting every error."""
    if not isinstance(obj, dict):
        return [FieldError(origin, "line", f"must be a JSON object, not {json_type(obj)}")]
    errors: list[FieldError] = []

    def take(name: str, check: Check) -> Any:
        try:
            return check(obj[name])
        except Invalid as invalid:
            errors.append(FieldError(origin, name, str(invalid)))
            return None

    name = obj.get("event")
    if "event" not in obj:
        return [FieldError(origin, "event", "is missing")]
    if not isinstance(name, str) or name not in EVENTS:
        shown = name[:40] if isinstance(name, str) else json_type(name)
        return [FieldError(origin, "event", f"{shown!r} is not an event of format v1")]
    spec = EVENTS[name]
    effective = take("effective_date", date) if "effective_date" in obj else None
    if "effective_date" not in obj:
        errors.append(FieldError(origin, "effective_date", "is missing"))
    for key in obj:
        if key not in spec.names:
            errors.append(FieldError(origin, shown_name(key), f"is not a field of {name}"))
    fields: dict[str, Any] = {}
    for key, check in spec.required.items():
        if key not in obj or obj[key] is None:
            errors.append(FieldError(origin, key, "is missing"))
        else:
            fields[key] = take(key, check)
    for key, check in spec.optional.items():
        fields[key] = take(key, check) if obj.get(key) is not None else None
    envelope = {
        key: take(key, check) if obj.get(key) is not None else None
        for key, check in ENVELOPE.items()
    }
    if not errors and name in GEOGRAPHY_EVENTS and (found := _inconsistent(name, fields)):
        errors.append(FieldError(origin, *found))
    if errors:
        return errors
    assert effective is not None
    _default_currency(name, fields)
    return Fact(
        event=name,
        effective_date=effective,
        fields=fields,
        id=envelope["id"],
        recorded_at=envelope["recorded_at"],
        operator=envelope["operator"],
        recorded_by=envelope["recorded_by"],
        note=envelope["note"],
        origin=origin,
    )


def _default_currency(event: str, fields: dict[str, Any]) -> None:
    """A cash programme registered without a currency pays in the default one."""
    if event == "ProgrammeRegistered" and fields["benefit"] == "cash" and fields["currency"] is None:
        fields["currency"] = DEFAULT_CURRENCY


def _inconsistent(event: str, fields: dict[str, Any]) -> tuple[str, str] | None:
    """(field, reason) where a geography event's fields disagree: a national code begins with
    its province's, and a district is neither carved from nor succeeded by itself."""
    code = fields["district"]
    if event == "DistrictEstablished":
        if code[:2] != fields["province"]:
            return "district", f"{code} is not a code of province {fields['province']} " \
                f"(a national code begins with its province's)"
        if code in (fields["from"] or ()):
            return "from", f"district {code} cannot be carved from itself"
    elif event == "DistrictRetired" and code in fields["successors"]:
        return "successors", f"district {code} cannot succeed itself"
    return None


def shown_name(name: str) -> str:
    """A field name from the input as it may be shown: short, control characters escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in name[:64])
