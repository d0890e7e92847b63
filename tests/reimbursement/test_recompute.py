"""Batch recomputation of stored claims with the dated rules (PostgreSQL: server-side cursor and
COPY): a paid claim recomputes to what was paid; a stored figure that differs is found, and
stored over only when asked (audited); the benchmark's bulk generator builds consistent claims."""

from decimal import Decimal

import pytest
from django.db import connection

from tests.reimbursement.conftest import claim_form, current_item, handle_to_end, submit
from yibao.audit.models import AuditEntry
from yibao.reimbursement import bench
from yibao.reimbursement.models import Claim, ClaimLine
from yibao.reimbursement.recompute import recompute_claims

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY and server-side cursors")]


def test_a_paid_claim_recomputes_to_what_was_paid_and_a_wrong_stored_figure_is_found(make_insured, clerks):
    people = clerks["jincheng"]
    person = make_insured("jincheng")
    item = current_item("jincheng", "inpatient-reimbursement")
    first = handle_to_end(submit(item, person, claim_form(person, bills=["R-1"])), people)
    handle_to_end(submit(item, person, claim_form(person, bills=["R-2"])), people)  # uses the year carried over
    paid = {c.pk: c.fund_paid for c in Claim.objects.all()}

    result = recompute_claims(store=False)
    assert (result.claims, result.lines, result.differing, result.stored) == (2, 6, 0, 0)
    assert result.fund_after == sum(paid.values())

    Claim.objects.filter(case=first).update(fund_paid=Decimal("1.00"))
    result = recompute_claims(store=False)
    assert result.differing == 1 and Claim.objects.get(case=first).fund_paid == Decimal("1.00")
    result = recompute_claims(store=True, actor="checker")
    assert result.stored == 1 and Claim.objects.get(case=first).fund_paid == paid[Claim.objects.get(case=first).pk]
    assert AuditEntry.objects.get(action="reimbursement.claims.recompute").actor == "checker"


def test_the_bulk_generator_builds_claims_the_batch_recomputes(agencies, catalog):
    bench.generate(claims=30, lines=4)
    claims = Claim.objects.filter(case__number__startswith="BENCH")
    assert claims.count() == 30
    assert ClaimLine.objects.filter(claim__in=claims).count() == 120
    assert all(c.approved_total == sum(line.claimed_amount for line in c.lines.all()) for c in claims)
    result = bench.recompute_suite(claims=30, lines=4)
    assert result["claims"] == "30" and result["stored"] == "30" and result["differing_after_store"] == "0"
    bench.clear()
    assert not Claim.objects.filter(case__number__startswith="BENCH").exists()
