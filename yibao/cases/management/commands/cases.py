"""yibao cases sweep [--enqueue]"""

from django.core.management.base import BaseCommand

from yibao.cases.services import mark_overdue_cases
from yibao.cases.tasks import sweep_overdue_cases


class Command(BaseCommand):
    help = "办件：sweep 标记超期办件（--enqueue 交给后台任务执行）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sweep = sub.add_parser("sweep", help="标记已过办结期限的办件为超期")
        sweep.add_argument("--enqueue", action="store_true", help="放入后台任务队列（db_worker 执行）")

    def handle(self, *args, **options):
        if options["enqueue"]:
            result = sweep_overdue_cases.enqueue()
            self.stdout.write(f"已加入后台任务队列：{result.id}")
            return
        self.stdout.write(f"已标记超期办件 {mark_overdue_cases()} 件")
