import datetime
import threading

from yibao import clock


def test_an_override_fixes_today_for_every_thread_and_ends_with_the_block():
    real = clock.today()
    seen = []
    with clock.override(datetime.date(2025, 12, 31)):
        worker = threading.Thread(target=lambda: seen.append(clock.today()))
        worker.start()
        worker.join()
        assert clock.today() == datetime.date(2025, 12, 31)
    assert seen == [datetime.date(2025, 12, 31)]
    assert clock.today() == real


def test_today_is_the_shanghai_date_of_now():
    # 2026-01-01 17:00 UTC is already 2026-01-02 in Asia/Shanghai.
    with clock.override(datetime.datetime(2026, 1, 1, 17, 0, tzinfo=datetime.UTC)):
        assert clock.today() == datetime.date(2026, 1, 2)
