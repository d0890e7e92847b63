"""yibao qualifications sweep [--enqueue]"""

from django.core.management.base import BaseCommand

from yibao.qualifications.services import expire_qualifications, notify_expiring_qualifications
from yibao.qualifications.tasks import sweep_qualifications


class Command(BaseCommand):
    help = "待遇资格：sweep 短信提醒即将到期的资格，并将已过有效期的资格标记为到期（--enqueue 交给后台任务执行）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sweep = sub.add_parser("sweep", help="到期提醒并标记到期资格")
        sweep.add_argument("--enqueue", action="store_true", help="放入后台任务队列（db_worker 执行）")

    def handle(self, *args, **options):
        if options["enqueue"]:
            result = sweep_qualifications.enqueue()
            self.stdout.write(f"已加入后台任务队列：{result.id}")
            return
        notified = notify_expiring_qualifications()
        expired = expire_qualifications()
        self.stdout.write(f"已短信提醒 {notified} 人，已标记到期资格 {expired} 件")
