"""yibao demo: everything a new user needs before `yibao serve`."""

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from yibao.accounts.services import load_demo_accounts
from yibao.agencies.services import DEMO_PASSWORD, load_demo_agencies
from yibao.audit.services import record_audit

DEMO_ADMIN = "admin"


class Command(BaseCommand):
    help = "准备演示环境：建库、载入三市事项清单、节假日表、经办机构和演示账号"

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("数据库结构已就绪")
        call_command("catalog", "load", "--city", "all", stdout=self.stdout)
        call_command("workdays", "load", stdout=self.stdout)
        agencies = load_demo_agencies(actor="demo")
        self.stdout.write(agencies.describe())
        people = load_demo_accounts(actor="demo")
        self._ensure_admin()
        # The demo persons' and unit's enrollment records, and a small synthetic city per region.
        from yibao.enrollment.demo import load_demo_enrollment

        self.stdout.write(load_demo_enrollment(actor="demo").describe())
        from yibao.institutions.demo import load_demo_institutions

        people += load_demo_institutions(actor="demo")
        from yibao.qualifications.demo import load_demo_special_drugs

        rows = load_demo_special_drugs(actor="demo")
        self.stdout.write(f"特药定点医疗机构和责任医师目录：{rows} 条示例数据（/qualifications/special-drugs/）")
        from yibao.reimbursement.demo import load_demo_claims

        self.stdout.write(load_demo_claims(actor="demo"))
        self.stdout.write("")
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        self.stdout.write(f"  管理员      {DEMO_ADMIN}（/admin/，也可在“经办人员”登录）")
        for login in people:
            self.stdout.write(f"  {login.kind:<6}{login.login}  {login.description}")
        staff = sorted({login.login.rsplit("-", 1)[0] for login in agencies.logins
                        if login.login.endswith("-accept")})
        self.stdout.write("  经办人员    用户名为「机构-角色」，例如 ty-xiaodian-accept")
        self.stdout.write(f"              机构：{' '.join(staff)}")
        self.stdout.write("              角色：accept 受理 / review 审核 / second-review 复审 / "
                          "pay 拨付 / supervise 科长 / administer 管理员")

    @transaction.atomic
    def _ensure_admin(self):
        User = get_user_model()
        if not User.objects.filter(username=DEMO_ADMIN).exists():
            User.objects.create_superuser(username=DEMO_ADMIN, email="", password=DEMO_PASSWORD)
            record_audit(actor="demo", action="auth.user.create", object_type="User",
                         object_id=DEMO_ADMIN, after={"superuser": True})
