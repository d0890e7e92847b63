"""Writes to a person's own record: 多号合并 and 参保信息变更 (表5 职工 / 表6 城乡居民).

多号合并: one human, two records (say an old one under a 户口簿 or passport
number and one under the 公民身份号码). Everything moves to the kept record —
periods, contributions, base declarations, the personal account (or its
balance, as two exactly opposite movements, when both have one) — and the
duplicate gets ``merged_into``, after which ``ensure_person`` and every
service here refuse it. Cases name the applicant by ID number, so the
duplicate's cases stay findable through ``id_numbers_of``.

参保信息变更: 姓名, 性别, 证件类型/号码 and 出生日期 are key fields (关键信息):
they change only after a second person reviewed the proof. 联系电话 and 居住地址
change at once. The audit row keeps every old value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Count

from yibao.audit.services import record_audit
from yibao.enrollment.id_documents import validate_id_document
from yibao.enrollment.models import (
    AccountStatus,
    BaseDeclaration,
    Contribution,
    IdType,
    InsurancePeriod,
    InsuranceStatus,
    MovementKind,
    Person,
    PersonalAccount,
)
from yibao.enrollment.services.accounts import post_movement
from yibao.enrollment.services.errors import EnrollmentError
from yibao.enrollment.services.periods import BASIC_TYPES
from yibao.ids import InvalidIdentifier

SEX_LABELS = {"1": "男", "2": "女"}
FIELD_LABELS = {"name": "姓名", "sex": "性别", "id_type": "证件类型", "id_number": "证件号码",
                "birth_date": "出生日期", "phone": "联系电话", "address": "居住地址"}
KEY_FIELDS = ("name", "sex", "id_type", "id_number", "birth_date")
OTHER_FIELDS = ("phone", "address")


class MergeRefused(EnrollmentError):
    pass


class InfoChangeRefused(EnrollmentError):
    pass


def _usable(person: Person) -> None:
    if person.merged_into_id:
        raise EnrollmentError(f"证件号码 {person.id_number} 的记录已合并至另一记录，请使用保留的记录办理")


def id_numbers_of(person: Person) -> list[str]:
    """The person's ID number and those of every record merged into it (to find their cases)."""
    numbers, frontier = [person.id_number], [person.pk]
    while frontier:
        rows = list(Person.objects.filter(merged_into_id__in=frontier).values_list("pk", "id_number"))
        numbers += [number for _pk, number in rows]
        frontier = [pk for pk, _number in rows]
    return numbers


# --- 多号合并 -----------------------------------------------------------------------------------

def merge_needs_review(kept: Person, duplicate: Person) -> bool:
    """Records that differ in name or birth date may be two people: a second person reviews first."""
    return kept.name != duplicate.name or kept.birth_date != duplicate.birth_date


def check_merge(*, kept: Person, duplicate: Person, reviewed: bool = False) -> None:
    """Refuse a merge that would lose or double something (reads only)."""
    if kept.pk == duplicate.pk:
        raise MergeRefused("字段 待合并证件号码：与保留记录相同，无需合并")
    _usable(kept)
    _usable(duplicate)
    if merge_needs_review(kept, duplicate) and not reviewed:
        raise MergeRefused(
            f"两条记录的姓名或出生日期不一致（{kept.name} {kept.birth_date:%Y-%m-%d} / {duplicate.name} "
            f"{duplicate.birth_date:%Y-%m-%d}），须经审核确认为同一人后方可合并")
    both = (InsurancePeriod.objects.filter(person__in=(kept, duplicate), status=InsuranceStatus.INSURED)
            .values("insurance_type").annotate(records=Count("person", distinct=True)).filter(records=2))
    clash = [row["insurance_type"] for row in both]
    if clash:
        raise MergeRefused(f"两条记录同时有正常参保的险种 {'、'.join(clash)}（参保期间重叠），"
                           "请先对其中一条办理停保后再合并")
    basic = set(InsurancePeriod.objects.filter(person__in=(kept, duplicate), status=InsuranceStatus.INSURED,
                                               insurance_type__in=BASIC_TYPES).values_list("insurance_type", flat=True))
    if len(basic) == 2:
        raise MergeRefused("合并后将同时参加职工医保（310）和城乡居民医保（390），属于重复参保，"
                           "请先办理重复参保处理（停保其中一个险种）后再合并")
    months = set(Contribution.objects.filter(person=kept).values_list("insurance_type", "month"))
    doubled = sorted(key for key in Contribution.objects.filter(person=duplicate)
                     .values_list("insurance_type", "month") if key in months)
    if doubled:
        listed = "、".join(f"{month:%Y-%m}（险种 {kind}）" for kind, month in doubled[:5])
        raise MergeRefused(f"两条记录有相同所属期的缴费记录：{listed}，请先核查重复缴费")
    declared = set(BaseDeclaration.objects.filter(person=kept).values_list("unit_id", "year"))
    if any(key in declared for key in BaseDeclaration.objects.filter(person=duplicate).values_list("unit_id", "year")):
        raise MergeRefused("两条记录在同一单位同一年度都有缴费基数申报，请先核查")


@transaction.atomic
def merge_persons(*, kept: Person, duplicate: Person, on: date, actor: str, reviewed: bool = False,
                  case_number: str = "") -> Person:
    """城乡居民参保登记(多号合并): move everything of ``duplicate`` to ``kept`` and retire ``duplicate``.

    ``reviewed`` says a second person confirmed the two records are one human
    (required when name or birth date differ).
    """
    # Lock both rows in a fixed order so two merges of the same pair cannot deadlock or both succeed.
    locked = {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=(kept.pk, duplicate.pk))
              .order_by("pk")}
    kept, duplicate = locked[kept.pk], locked[duplicate.pk]
    check_merge(kept=kept, duplicate=duplicate, reviewed=reviewed)
    moved = {
        "periods": InsurancePeriod.objects.filter(person=duplicate).update(person=kept),
        "contributions": Contribution.objects.filter(person=duplicate).update(person=kept),
        "base_declarations": BaseDeclaration.objects.filter(person=duplicate).update(person=kept),
    }
    account = PersonalAccount.objects.select_for_update().filter(person=duplicate).first()
    if account is not None:
        target = PersonalAccount.objects.select_for_update().filter(person=kept).first()
        if target is None:
            # The kept record has no account: the whole account, movements and all, follows.
            PersonalAccount.objects.filter(pk=account.pk).update(person=kept)
            moved["account"] = str(account.balance)
        else:
            balance = account.balance
            if balance and account.status == AccountStatus.OPEN and target.status == AccountStatus.OPEN:
                note = f"多号合并：{duplicate.id_number} 并入 {kept.id_number}"
                post_movement(account=account, kind=MovementKind.ADJUSTMENT, amount=-balance, actor=actor,
                              reference=f"merge-{duplicate.pk}-out", case_number=case_number, note=note)
                post_movement(account=target, kind=MovementKind.ADJUSTMENT, amount=balance, actor=actor,
                              reference=f"merge-{duplicate.pk}-in", case_number=case_number, note=note)
            elif balance:
                raise MergeRefused(f"个人账户已注销，余额 {balance} 元无法并入，请先核查个人账户")
            if account.status == AccountStatus.OPEN:
                PersonalAccount.objects.filter(pk=account.pk).update(
                    status=AccountStatus.CLOSED, closed_on=on, close_reason="多号合并")
            moved["balance_moved"] = str(balance)
    duplicate.merged_into = kept
    duplicate.save(update_fields=["merged_into"])
    record_audit(actor=actor, action="enrollment.person.merge", object_type="Person", object_id=kept.id_number,
                 before={"duplicate": duplicate.id_number, "duplicate_id_type": duplicate.id_type,
                         "duplicate_name": duplicate.name},
                 after={**moved, "reviewed": reviewed, "case": case_number or None})
    return kept


# --- 参保信息变更 -------------------------------------------------------------------------------

@dataclass(frozen=True)
class InfoChange:
    """The changed fields of one person: field → (old, new); values as stored (dates as date)."""

    key: dict
    other: dict

    @property
    def has_key_changes(self) -> bool:
        return bool(self.key)


def _shown(field: str, value) -> str:
    if field == "sex":
        return SEX_LABELS.get(value, value)
    if field == "id_type":
        return IdType(value).label
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def plan_info_change(*, person: Person, wanted: dict) -> InfoChange:
    """Compare ``wanted`` (field → new value; omitted or empty: unchanged) with the record.

    Refuses an invalid new ID number, one held by another record (多号合并 is
    the way for one human with two records), and a final ID number that
    contradicts the final sex or birth date.
    """
    _usable(person)
    unknown = sorted(set(wanted) - set(FIELD_LABELS))
    if unknown:
        raise InfoChangeRefused(f"不能变更的项目：{'、'.join(unknown)}")
    changes = {f: (getattr(person, f), v) for f, v in wanted.items()
               if v not in (None, "") and v != getattr(person, f)}
    if not changes:
        raise InfoChangeRefused("没有需要变更的项目：填写的内容与参保记录相同")
    if "sex" in changes and changes["sex"][1] not in SEX_LABELS:
        raise InfoChangeRefused("字段 变更后性别：应为 男 或 女")
    final = {f: changes[f][1] if f in changes else getattr(person, f) for f in KEY_FIELDS}
    if "id_type" in changes or "id_number" in changes:
        try:
            document = validate_id_document(final["id_type"], final["id_number"])
        except InvalidIdentifier as exc:
            raise InfoChangeRefused(f"字段 变更后证件号码：{exc}") from exc
        if "id_number" in changes:
            changes["id_number"] = (person.id_number, document.number)
            if document.number == person.id_number:
                del changes["id_number"]
        other = Person.objects.filter(id_number=document.number).exclude(pk=person.pk).first()
        if other is not None:
            raise InfoChangeRefused(
                f"字段 变更后证件号码：{document.number} 已属于另一参保记录（{other.name}），不能变更为该号码；"
                "如两条记录为同一人，请办理多号合并")
        if document.sex and document.sex != final["sex"]:
            raise InfoChangeRefused(f"证件号码 {document.number} 表明性别为{SEX_LABELS[document.sex]}，"
                                    f"与性别「{SEX_LABELS.get(final['sex'], final['sex'])}」不符，请一并变更性别")
        if document.birth_date and document.birth_date != final["birth_date"]:
            raise InfoChangeRefused(f"证件号码 {document.number} 中的出生日期为 {document.birth_date:%Y-%m-%d}，"
                                    f"与出生日期 {final['birth_date']:%Y-%m-%d} 不符，请一并变更出生日期")
    elif "sex" in changes or "birth_date" in changes:
        document = None
        try:
            document = validate_id_document(person.id_type, person.id_number)
        except InvalidIdentifier:
            pass  # an old record with a malformed number: the review decides
        if document is not None and ((document.sex and document.sex != final["sex"])
                                     or (document.birth_date and document.birth_date != final["birth_date"])):
            raise InfoChangeRefused(f"变更后的性别或出生日期与证件号码 {person.id_number} 不符；"
                                    "如证件号码同时变更，请一并填写变更后证件号码")
    return InfoChange(key={f: v for f, v in changes.items() if f in KEY_FIELDS},
                      other={f: v for f, v in changes.items() if f in OTHER_FIELDS})


@transaction.atomic
def change_person_info(*, person: Person, wanted: dict, actor: str, key_fields: bool,
                       case_number: str = "") -> InfoChange:
    """参保信息变更登记: apply the key fields (``key_fields=True``, after review) or the others.

    Re-plans under the person's row lock, so a number taken since the
    application was checked is refused here; the audit row keeps the old values.
    """
    person = Person.objects.select_for_update().get(pk=person.pk)
    fields = KEY_FIELDS if key_fields else OTHER_FIELDS
    subset = {f: v for f, v in wanted.items() if f in fields}
    if key_fields and "id_number" in subset and "id_type" not in subset:
        subset["id_type"] = wanted.get("id_type") or person.id_type
    plan = plan_info_change(person=person, wanted=subset)
    changes = plan.key if key_fields else plan.other
    if not changes:
        return plan
    for field, (_old, new) in changes.items():
        setattr(person, field, new)
    try:
        with transaction.atomic():
            person.save(update_fields=list(changes))
    except IntegrityError as exc:  # a concurrent change or enrollment took the number
        raise InfoChangeRefused(f"字段 变更后证件号码：{person.id_number} 已属于另一参保记录，不能变更为该号码") from exc
    record_audit(actor=actor, action="enrollment.person.change", object_type="Person",
                 object_id=changes.get("id_number", (person.id_number,))[0],
                 before={f: _shown(f, old) for f, (old, _new) in changes.items()},
                 after={**{f: _shown(f, new) for f, (_old, new) in changes.items()},
                        "key_fields": key_fields, "case": case_number or None})
    return plan


__all__ = [
    "FIELD_LABELS", "KEY_FIELDS", "OTHER_FIELDS", "InfoChange", "InfoChangeRefused", "MergeRefused",
    "change_person_info", "check_merge", "id_numbers_of", "merge_needs_review", "merge_persons",
    "plan_info_change",
]
