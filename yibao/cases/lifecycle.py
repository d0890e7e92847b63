"""The case lifecycle as data: which step leads to which status, and who may move it.

An item's steps come from the catalog (申请—受理—[调查]—审核—[认定]—[复审]—[拨付]—办结).
Besides the step-by-step path, a few moves exist for every item: the one-time
notice and the resubmission, refusal, and withdrawal by the applicant.
"""

from __future__ import annotations

from dataclasses import dataclass

from yibao.agencies.models import Role
from yibao.cases.models import CaseStatus as S


@dataclass(frozen=True)
class Step:
    name: str  # catalog step name
    action: str  # service action / API verb
    status: str  # status the case has after the step
    role: str | None  # staff role required; None: the role of the step before
    label: str
    deniable: bool = False  # the clerk may decide 不予批准 (action "deny") instead of doing the step


STEPS: dict[str, Step] = {
    "受理": Step("受理", "accept", S.ACCEPTED, Role.ACCEPT, "受理"),
    "调查": Step("调查", "investigate", S.INVESTIGATED, Role.REVIEW, "调查", deniable=True),
    "审核": Step("审核", "review", S.REVIEWED, Role.REVIEW, "审核", deniable=True),
    "认定": Step("认定", "recognize", S.RECOGNIZED, Role.REVIEW, "认定", deniable=True),
    "复审": Step("复审", "second_review", S.SECOND_REVIEWED, Role.SECOND_REVIEW, "复审", deniable=True),
    "拨付": Step("拨付", "pay", S.PAID, Role.PAY, "拨付"),
    "办结": Step("办结", "complete", S.COMPLETED, None, "办结"),
}
STATUS_OF_STEP = {step.status: name for name, step in STEPS.items()}
ACTION_STEPS = {step.action: step for step in STEPS.values()}

# Moves that do not follow the step chain: action → (states it may start from, target).
SIDE_MOVES: dict[str, tuple[frozenset[str], str]] = {
    "notice": (frozenset({S.SUBMITTED, S.ACCEPTED, S.INVESTIGATED, S.REVIEWED, S.RECOGNIZED}), S.SUPPLEMENTING),
    "resubmit": (frozenset({S.SUPPLEMENTING}), "<resume>"),
    "refuse": (frozenset({S.SUBMITTED}), S.REFUSED),
    "withdraw": (frozenset({S.SUBMITTED, S.SUPPLEMENTING}), S.WITHDRAWN),
}
TERMINAL = frozenset({S.COMPLETED, S.REFUSED, S.WITHDRAWN})
ACTION_LABELS = {
    "submit": "提交申请", "notice": "一次性告知", "resubmit": "补正材料后重新提交", "refuse": "不予受理",
    "withdraw": "撤回", "deny": "审核不通过", "sweep_overdue": "标记超期",
    **{s.action: s.label for s in STEPS.values()},
}


# Who may rate a case (好差评) and when: after it ends with a decision.
RATEABLE = frozenset({S.COMPLETED, S.REFUSED})


def item_steps(steps: list[str]) -> list[str]:
    """The engine's step chain for an item: 受理 is implicit where a catalog omits it."""
    chain = [s for s in steps if s in STEPS]
    if "受理" not in chain:
        chain.insert(0, "受理")
    if chain[-1] != "办结":
        chain.append("办结")
    return chain


def next_step(steps: list[str], status: str) -> Step | None:
    """The step that moves a case on from ``status``, or None if none does."""
    chain = item_steps(steps)
    if status == S.SUBMITTED:
        return STEPS[chain[0]]
    current = STATUS_OF_STEP.get(status)
    if current is None or current not in chain:
        return None
    index = chain.index(current)
    return STEPS[chain[index + 1]] if index + 1 < len(chain) else None


def role_for(steps: list[str], step: Step) -> str:
    """The role a step needs; 办结 is done by whoever may do the step before it."""
    if step.role is not None:
        return step.role
    chain = item_steps(steps)
    before = chain[chain.index(step.name) - 1]
    return role_for(steps, STEPS[before])


def next_move(steps: list[str], status: str) -> tuple[str, str]:
    """(action, role) of the move staff make next from ``status``; ("", "") while the
    applicant must act (补正) or once the case has ended."""
    if status == S.SUPPLEMENTING or status in TERMINAL:
        return "", ""
    step = next_step(steps, status)
    if step is None:
        return "", ""
    return step.action, role_for(steps, step)


def available_actions(steps: list[str], status: str) -> list[str]:
    """Every action that may start from ``status`` (roles and agencies are checked later).

    The one table of moves: the service refuses what is not here, and the API and
    the console offer exactly this."""
    actions = []
    step = next_step(steps, status)
    if step is not None:
        actions.append(step.action)
        if step.deniable:
            actions.append("deny")
    actions += [action for action, (sources, _) in SIDE_MOVES.items() if status in sources]
    return actions
