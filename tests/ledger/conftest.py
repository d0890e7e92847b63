from tests.evaluations.conftest import *  # noqa: F401,F403
