"""yibao offsite expire [--enqueue]"""

from django.core.management.base import BaseCommand

from yibao.offsite.services import expire_filings
from yibao.offsite.tasks import sweep_expired_filings


class Command(BaseCommand):
    help = "异地就医备案：expire 将已过结束日期的临时备案标记为已到期（--enqueue 交给后台任务执行）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        expire = sub.add_parser("expire", help="将已过结束日期的临时备案标记为已到期")
        expire.add_argument("--enqueue", action="store_true", help="放入后台任务队列（db_worker 执行）")

    def handle(self, *args, **options):
        if options["enqueue"]:
            result = sweep_expired_filings.enqueue()
            self.stdout.write(f"已加入后台任务队列：{result.id}")
            return
        self.stdout.write(f"已标记到期备案 {expire_filings()} 件")
