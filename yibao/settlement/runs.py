"""Progress records of long runs started from the console (``RunProgress``): start, advance, finish.

A run's ``tracker`` is the ``progress`` callable the long services already take
(``services.run_month``, ``upload.read_file``): an int is how many are done, a str a stage
finished. Writes are throttled (a stage, or each further 1 % when the total is known).
A stage reported inside the service's own transaction becomes visible to the console when
that transaction commits; the file read of an upload happens before it, so its rows show as
they are read.
"""

from __future__ import annotations

from django.db import transaction

from yibao import clock
from yibao.audit.services import record_audit
from yibao.settlement.errors import InvalidDeclaration
from yibao.settlement.models import RunProgress, RunStatus

KINDS = {"settlement_run": "月度结算运行", "settlement_upload": "结算明细导入"}


@transaction.atomic
def start_run(*, kind: str, label: str, agency, actor: str, total: int | None = None) -> RunProgress:
    """Record a run about to start (queued); the console shows it at once."""
    if kind not in KINDS:
        raise InvalidDeclaration(f"字段 类型：「{kind[:20]}」不是可记录进度的运行", field="kind")
    run = RunProgress.objects.create(kind=kind, label=label[:200], agency=agency, started_by=actor[:50], total=total)
    record_audit(actor=actor, action="settlement.run.start", object_type="settlement.RunProgress", object_id=run.pk,
                 after={"kind": kind, "label": label[:200]})
    return run


def tracker(run: RunProgress):
    """The ``progress`` callable of a service for this run (marks it running)."""
    RunProgress.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, updated_at=clock.now())
    last = {"done": -1}

    def advance(done) -> None:
        if isinstance(done, int):
            step = max(1, (run.total or 0) // 100)
            if done - last["done"] < step:
                return
            last["done"] = done
            RunProgress.objects.filter(pk=run.pk).update(done=done, updated_at=clock.now())
        else:
            RunProgress.objects.filter(pk=run.pk).update(stage=f"{done} 完成"[:100], updated_at=clock.now())

    return advance


@transaction.atomic
def finish_run(*, run: RunProgress, summary: dict, actor: str) -> RunProgress:
    """The run ended: its summary (counts, amounts as text, seconds per stage)."""
    RunProgress.objects.filter(pk=run.pk).update(
        status=RunStatus.FINISHED, summary=summary, finished_at=clock.now(), updated_at=clock.now(),
        done=run.total if run.total is not None else run.done)
    record_audit(actor=actor, action="settlement.run.finish", object_type="settlement.RunProgress",
                 object_id=run.pk, after=summary)
    run.refresh_from_db()
    return run


@transaction.atomic
def fail_run(*, run: RunProgress, error: str, actor: str) -> RunProgress:
    """The run stopped with an error (the service rolled its own work back)."""
    RunProgress.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, error=error[:500],
                                                 finished_at=clock.now(), updated_at=clock.now())
    record_audit(actor=actor, action="settlement.run.fail", object_type="settlement.RunProgress",
                 object_id=run.pk, after={"error": error[:500]})
    run.refresh_from_db()
    return run
