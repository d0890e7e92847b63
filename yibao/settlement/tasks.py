"""Background work of monthly settlement (django-tasks; database backend by default)."""

from django_tasks import task

from yibao.errors import DomainError
from yibao.settlement import runs, services
from yibao.settlement.models import RunProgress


def month_run_summary(run: services.MonthRun) -> dict:
    return {"declarations": run.declarations, "records": run.records, "statements": run.statements,
            "problems": sum(run.problems.values()) if run.problems else 0,
            "deductions": sum(run.deductions.values()) if run.deductions else 0,
            "payable": f"{run.payable}", "withheld": f"{run.withheld}", "seconds": run.seconds}


def execute_month_run(*, run_id: int, month: str, actor: str) -> dict:
    """The month run of a console request: validate, review by rule, state; progress on the record."""
    record = RunProgress.objects.get(pk=run_id)
    try:
        result = services.run_month(actor=actor, month=month, progress=runs.tracker(record))
    except DomainError as exc:
        runs.fail_run(run=record, error=str(exc), actor=actor)
        return {"error": str(exc)}
    summary = month_run_summary(result)
    runs.finish_run(run=record, summary=summary, actor=actor)
    return summary


@task()
def settlement_month_run(run_id: int, month: str, actor: str) -> dict:
    """Run ``month`` for every declared institution in the background (worker: `manage.py db_worker`)."""
    return execute_month_run(run_id=run_id, month=month, actor=actor)
