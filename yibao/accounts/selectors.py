"""Reads of accounts: who is logged in, as what."""

from __future__ import annotations

from dataclasses import dataclass

from yibao.accounts.models import INSTITUTION_KIND, LoginKind, PersonAccount, UnitAccount
from yibao.agencies.models import StaffMember
from yibao.agencies.selectors import staff_of
from yibao.ids import mask_resident_id


@dataclass(frozen=True)
class CurrentAccount:
    kind: str  # LoginKind value, or "" for an administrator without a profile
    display_name: str
    identifier: str  # masked ID number, USCC or username
    person: PersonAccount | None = None
    unit: UnitAccount | None = None
    staff: StaffMember | None = None


def person_of(user) -> PersonAccount | None:
    if user is None or not user.is_authenticated:
        return None
    return PersonAccount.objects.filter(user=user).first()


def unit_of(user) -> UnitAccount | None:
    if user is None or not user.is_authenticated:
        return None
    return UnitAccount.objects.filter(user=user).first()


def current_account(user) -> CurrentAccount | None:
    """What a logged-in user is: a person, a unit, a clerk (or an administrator)."""
    if user is None or not user.is_authenticated:
        return None
    if person := person_of(user):
        return CurrentAccount(LoginKind.PERSON, person.name, mask_resident_id(person.id_number),
                              person=person)
    if unit := unit_of(user):
        return CurrentAccount(LoginKind.UNIT, unit.name, unit.uscc, unit=unit)
    from yibao.institutions.selectors import institution_of

    if institution := institution_of(user):
        return CurrentAccount(INSTITUTION_KIND, institution.name, institution.uscc)
    if staff := staff_of(user):
        return CurrentAccount(LoginKind.STAFF, staff.name, user.get_username(), staff=staff)
    return CurrentAccount("", user.get_full_name() or user.get_username(), user.get_username())


def is_staff_member(user) -> bool:
    """An active clerk (经办人员) profile exists for this login."""
    if user is None or not user.is_authenticated:
        return False
    return StaffMember.objects.filter(user=user, is_active=True).exists()
