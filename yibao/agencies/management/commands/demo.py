"""yibao demo: everything a new user needs before `yibao serve`."""

import os

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from yibao.audit.services import record_audit

DEMO_ADMIN = ("admin", os.environ.get("YIBAO_DEMO_PASSWORD", "yibao-demo-2026"))


class Command(BaseCommand):
    help = "准备演示环境：建库、载入三市事项清单和节假日表、创建演示账号"

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("数据库结构已就绪")
        call_command("catalog", "load", "--city", "all", stdout=self.stdout)
        call_command("workdays", "load", stdout=self.stdout)
        self._ensure_admin()

    @transaction.atomic
    def _ensure_admin(self):
        username, password = DEMO_ADMIN
        User = get_user_model()
        if not User.objects.filter(username=username).exists():
            User.objects.create_superuser(username=username, email="", password=password)
            record_audit(actor="demo", action="auth.user.create", object_type="User",
                         object_id=username, after={"superuser": True})
            self.stdout.write(f"已创建演示管理员 {username}")
