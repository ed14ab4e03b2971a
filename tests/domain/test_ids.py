"""Aggregate ids are RFC 4122 version-5 UUIDs of the programme and beneficiary: stable forever."""

from __future__ import annotations

from uuid import uuid5

from hypothesis import given
from hypothesis import strategies as st

from ledger.domain.ids import _NAMESPACE, _uuid5, enrolment_id, programme_id


@given(name=st.text())
def test_the_quick_uuid5_is_the_standard_one(name: str) -> None:
    ours, standard = _uuid5(name), uuid5(_NAMESPACE, name)
    assert ours == standard
    assert (ours.hex, str(ours), hash(ours), ours.version) == \
        (standard.hex, str(standard), hash(standard), 5)


def test_ids_name_their_programme_and_beneficiary() -> None:
    assert enrolment_id("mcw", "MCW-1703-000001") == uuid5(_NAMESPACE, "enrolment:mcw:MCW-1703-000001")
    assert programme_id("mcw") == uuid5(_NAMESPACE, "programme:mcw")
