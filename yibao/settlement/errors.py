"""Settlement's refusals: each a DomainError with a Chinese message and a stable code."""

from yibao.errors import Conflict, Forbidden, Invalid, NotFound, Refused


class InvalidDeclaration(Invalid):
    code = "settlement_invalid"


class DeclarationRefused(Refused):
    code = "settlement_refused"


class DeclarationConflict(Conflict):
    code = "settlement_conflict"


class NotYourDeclaration(Forbidden):
    code = "settlement_forbidden"


class DeclarationNotFound(NotFound):
    code = "settlement_not_found"
