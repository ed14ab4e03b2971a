"""The tail of an enrolment: what an event that sorts last on its timeline can see of it.

Most facts a ministry records are appended to a timeline: this month's payment, a new enrolment,
an exit. For such an event the full fold (every episode, every payment) is not needed: SPEC §3
looks only at whether the beneficiary is active now, where, since when, and at the programme's
coverage. An `EnrolmentTail` keeps exactly that, in a few slots, so a national import can keep
every beneficiary it touches in memory.

Each `*_if_accepted` method, given the programme's fold, says whether the domain (`Enrolment`'s
strict fold step and its tail-only verification) would certainly accept the event, and if so
advances the tail. It never decides a refusal: when it answers False the caller asks the whole
aggregate, which accepts or refuses with the exact reason. tests/application/test_fast_lane.py
holds both lanes to the same rows and the same refusals.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ledger.domain.enrolment import Enrolment
from ledger.domain.programme import ProgrammeFold


@dataclass(slots=True)
class EnrolmentTail:
    """An enrolment's version, last effective date and current presence (if active)."""

    key: int  # the enrolment's id, as the integer of its UUID
    originator_hex: str
    programme: str
    beneficiary: str
    version: int
    last_effective: dt.date | None
    district: str | None = None  # while active
    active_since: dt.date | None = None  # the start of the open presence spell
    checked_against: ProgrammeFold | None = None  # the coverage the open spell was checked on

    @classmethod
    def of(cls, enrolment: Enrolment) -> EnrolmentTail:
        """The tail of a full aggregate (its fold as it stands)."""
        fold = enrolment.state
        tail = cls(enrolment.id.int, enrolment.id.hex, enrolment.programme, enrolment.beneficiary,
                   enrolment.version, enrolment.last_effective)
        if fold.active is not None and fold.presence:
            tail.district = fold.district
            tail.active_since = fold.presence[-1].start
        return tail

    def appends(self, day: dt.date) -> bool:
        """Whether an event effective on `day` sorts last (ties go by recording order)."""
        return self.last_effective is None or day >= self.last_effective

    # -- the events the fast lane takes ---------------------------------------------------

    def enrol_if_accepted(self, fold: ProgrammeFold, district: str, day: dt.date,
                          birth_date: dt.date | None) -> bool:
        if (self.district is not None or not self.appends(day) or not _registered(fold, day)
                or (birth_date is not None and birth_date > day)
                or not _open_cover(fold, district, day)):
            return False
        self._enter(district, day, fold)
        return True

    def transfer_if_accepted(self, fold: ProgrammeFold, district: str, day: dt.date) -> bool:
        if (self.district is None or district == self.district or not self.appends(day)
                or not _registered(fold, day) or not _open_cover(fold, district, day)):
            return False
        self._enter(district, day, fold)
        return True

    def exit_if_accepted(self, fold: ProgrammeFold, day: dt.date) -> bool:
        district, since = self.district, self.active_since
        if district is None or since is None or not self.appends(day) or not _registered(fold, day):
            return False
        if day == since:
            # A presence of no length: covered at some moment of that day is enough.
            if not fold.covered_during(district, day):
                return False
        else:
            cover = fold.spell_on(district, since)
            if cover is None or (cover.end is not None and day > cover.end):
                return False
        self.district = self.active_since = self.checked_against = None
        self._advance(day)
        return True

    def pay_if_accepted(self, fold: ProgrammeFold, day: dt.date, currency: str) -> bool:
        registration = fold.registration
        if (self.district is None or self.active_since is None or not self.appends(day)
                or registration is None or registration.effective_date > day
                or registration.benefit != "cash" or registration.currency != currency):
            return False
        if self.checked_against is not fold:
            if not _open_cover(fold, self.district, self.active_since):
                return False
            self.checked_against = fold
        self._advance(day)
        return True

    # -- moving on -------------------------------------------------------------------------

    def _enter(self, district: str, day: dt.date, fold: ProgrammeFold) -> None:
        self.district = district
        self.active_since = day
        self.checked_against = fold
        self._advance(day)

    def _advance(self, day: dt.date) -> None:
        self.version += 1
        if self.last_effective is None or day > self.last_effective:
            self.last_effective = day


def _registered(fold: ProgrammeFold, day: dt.date) -> bool:
    registration = fold.registration
    return registration is not None and registration.effective_date <= day


def _open_cover(fold: ProgrammeFold, district: str, day: dt.date) -> bool:
    """Covered on `day` by a spell that is never withdrawn: an open presence stays covered."""
    cover = fold.spell_on(district, day)
    return cover is not None and cover.end is None
