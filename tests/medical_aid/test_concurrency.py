"""Two payment runs of one programme at once: one runs, the other is refused, nobody is paid twice.

Real threads and real transactions; on PostgreSQL the transactions truly overlap and the
lock's compare-and-set and the unique constraints decide.
"""

import pytest

from tests.concurrency import race
from tests.medical_aid.conftest import row, workbook
from yibao.errors import DomainError
from yibao.medical_aid.models import AidProgramme, AidRecipient, ProgrammeStatus
from yibao.medical_aid.services import (
    _refund_payee,
    approve_programme,
    create_programme,
    import_recipients,
    pay_programme,
    refund_subsidy,
    submit_programme,
)
from yibao.payments.models import Payment


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_of_one_programme_pay_each_refund_once(regions, resident):
    persons = [resident(name=f"救助{i}") for i in range(6)]
    programme = create_programme(region=regions["taiyuan"], year=2026, actor="ty-importer")
    import_recipients(programme=programme, content=workbook([row(p) for p in persons]), actor="ty-importer")
    submit_programme(programme=programme, actor="ty-importer")
    approve_programme(programme=programme, actor="ty-approver")

    outcomes = race(*[lambda i=i: pay_programme(programme=programme, actor=f"payer{i}") for i in range(4)],
                    keep_results=True)

    assert Payment.objects.count() == 6
    assert len({p.reference for p in Payment.objects.all()}) == 6
    assert sum(1 for o in outcomes if not isinstance(o, DomainError)) == 1, outcomes
    assert AidProgramme.objects.get().status == ProgrammeStatus.PAID


@pytest.mark.django_db(transaction=True)
def test_a_case_refund_and_the_run_at_once_pay_the_person_once(regions, resident):
    person = resident(name="王救助")
    programme = create_programme(region=regions["taiyuan"], year=2026, actor="ty-importer")
    import_recipients(programme=programme, content=workbook([row(person)]), actor="ty-importer")
    submit_programme(programme=programme, actor="ty-importer")
    approve_programme(programme=programme, actor="ty-approver")
    recipient = AidRecipient.objects.get()

    race(*[lambda: pay_programme(programme=programme, actor="payer"),
           lambda: refund_subsidy(recipient=recipient, payee=_refund_payee(recipient), actor="clerk")] * 2)

    assert Payment.objects.count() == 1
    assert AidRecipient.objects.get().payment_id == Payment.objects.get().pk
