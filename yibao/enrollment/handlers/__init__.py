"""Item handlers of the enrollment domain, one module per group of items.

Importing this package registers them all with the case engine.
"""

from yibao.enrollment.handlers import (  # noqa: F401
    accounts,
    employees,
    queries,
    residents,
    units,
)
