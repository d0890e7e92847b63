"""The rules domain's refusals (Chinese messages, stable codes)."""

from yibao.errors import Conflict, Forbidden, Invalid, NotFound


class InvalidParameterValue(Invalid):
    code = "rules.invalid_value"


class ParameterNotFound(NotFound):
    code = "rules.parameter_not_found"


class NotRulesAdministrator(Forbidden):
    code = "rules.forbidden"


class UsageChanged(Conflict):
    code = "rules.usage_changed"


class AlreadyRecorded(Conflict):
    code = "rules.already_recorded"
