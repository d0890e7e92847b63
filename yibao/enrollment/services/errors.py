"""Domain errors of enrollment; every message is for the user, in Chinese."""

from yibao.errors import DomainError


class EnrollmentError(DomainError):
    kind = "refused"
    code = "enrollment_refused"


class UnitAlreadyRegistered(EnrollmentError):
    pass


class DuplicateInsurance(EnrollmentError):
    """The person already holds the other basic medical insurance (310 vs 390)."""

    def __init__(self, message: str, *, existing_period_id: int) -> None:
        super().__init__(message)
        self.existing_period_id = existing_period_id


class NotInsured(EnrollmentError):
    pass


class InvalidIdDocument(EnrollmentError):
    pass
