"""One harness for the concurrency tests: start actions together and collect what each did.

Each action runs in its own thread with its own database connection (Django opens one per
thread); the thread connects first, waits at a barrier so that the actions start together,
and closes its connection at the end so that the test database can be dropped. These tests
need a database that takes row locks (PostgreSQL: set YIBAO_DATABASE_URL).
"""

import threading

from django.db import connection, transaction

from yibao.errors import DomainError

OK = "ok"


def race(*actions, catch=DomainError, keep_results=False, atomic=False, timeout=60):
    """Run the actions at once; return one outcome per action, in order.

    An outcome is the exception of type ``catch`` the action raised, otherwise ``OK``
    (or, with ``keep_results``, what the action returned). Any other exception is
    re-raised in the calling thread after all threads have finished. With ``atomic``
    each action runs inside its own transaction (for services that lock rows but leave
    the transaction to their caller).
    """
    barrier = threading.Barrier(len(actions))
    outcomes = [None] * len(actions)
    unexpected = []

    def run(index, action):
        try:
            connection.ensure_connection()
            barrier.wait(timeout=timeout / 2)
            if atomic:
                with transaction.atomic():
                    result = action()
            else:
                result = action()
            outcomes[index] = result if keep_results else OK
        except catch as exc:
            outcomes[index] = exc
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread below
            unexpected.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    if unexpected:
        raise unexpected[0]
    return outcomes
