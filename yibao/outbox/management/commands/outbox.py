"""yibao outbox deliver [--limit N] [--enqueue] | yibao outbox list [--status S]"""

from django.core.management.base import BaseCommand

from yibao.outbox.delivery import deliver_due
from yibao.outbox.models import OutboxMessage, OutboxStatus
from yibao.outbox.tasks import deliver_due_outbox_messages


class Command(BaseCommand):
    help = "外发消息：deliver 发送到期的待发送消息（失败的按退避时间重试）；list 列出消息及其状态"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        deliver = sub.add_parser("deliver", help="发送到期的待发送消息（建议每几分钟运行一次）")
        deliver.add_argument("--limit", type=int, default=500, help="本次最多发送的条数（默认 500）")
        deliver.add_argument("--enqueue", action="store_true", help="放入后台任务队列（db_worker 执行）")
        listing = sub.add_parser("list", help="列出外发消息")
        listing.add_argument("--status", choices=OutboxStatus.values, help="只列出该状态")

    def handle(self, *args, **options):
        if options["action"] == "list":
            messages = OutboxMessage.objects.all()
            if options["status"]:
                messages = messages.filter(status=options["status"])
            for m in messages[:200]:
                self.stdout.write(f"{m.created_at:%Y-%m-%d %H:%M:%S}  {m.get_status_display():<8} {m.attempts:>2} 次  "
                                  f"{m.kind} → {m.destination}  {m.key}  {m.last_error[:80]}")
            return
        if options["enqueue"]:
            result = deliver_due_outbox_messages.enqueue()
            self.stdout.write(f"已加入后台任务队列：{result.id}")
            return
        if options["limit"] < 1:
            self.stderr.write("参数 --limit 须为正整数")
            raise SystemExit(2)
        counts = deliver_due(limit=options["limit"])
        labels = dict(OutboxStatus.choices) | {"skipped": "已由其他进程处理"}
        summary = "，".join(f"{labels.get(k, k)} {v} 条" for k, v in sorted(counts.items())) or "没有到期的消息"
        self.stdout.write(f"外发消息：{summary}")
