"""Every write to enrollment records, one module per group of business actions
(in the manner of Zulip's ``zerver/actions/``): ``units``, ``periods``,
``employees``, ``residents``, ``contributions``, ``accounts``.

Each function is keyword-only, runs in a transaction, writes its audit row and
raises an ``EnrollmentError`` subclass with a Chinese message.
"""

from yibao.enrollment.services.errors import EnrollmentError, UnitAlreadyRegistered
from yibao.enrollment.services.units import register_unit

__all__ = ["EnrollmentError", "UnitAlreadyRegistered", "register_unit"]
