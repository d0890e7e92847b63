"""Domain errors of the payments ledger, each with a Chinese message and a kind
the delivery layers map to a response (invalid → 400, conflict → 409, forbidden → 403)."""


from yibao.errors import DomainError


class PaymentError(DomainError, ValueError):
    kind = "invalid"


class InvalidPayment(PaymentError):
    kind = "invalid"


class PaymentConflict(PaymentError):
    kind = "conflict"


class BankFileError(InvalidPayment):
    """A bank return file as a whole cannot be read (size, type, header, too many rows)."""
