from django.apps import apps
from django.contrib import admin
from django.urls import include, path

from yibao.api.api import api
from yibao.catalog import views as catalog_views

admin.site.site_header = "医保经办服务平台 · 管理后台"
admin.site.site_title = "yibao 管理后台"
admin.site.index_title = "管理首页"
# Third-party apps name themselves in English; the admin's headings are Chinese.
apps.get_app_config("django_tasks_database").verbose_name = "后台任务"

urlpatterns = [
    path("", catalog_views.home, name="home"),
    path("guides/", include("yibao.catalog.urls")),
    path("hall/", include("yibao.hall.urls")),
    path("console/payments/", include("yibao.payments.urls")),
    path("", include("yibao.rules.urls")),  # /console/rules/ and the public /rules/trial/
    path("console/reimbursement/", include("yibao.reimbursement.urls")),
    path("console/", include("yibao.console.urls")),
    path("", include("yibao.settlement.urls")),  # /console/settlement/ and the institution's /settlement/
    path("evaluations/", include("yibao.evaluations.urls")),
    path("ledger/", include("yibao.ledger.urls")),
    path("documents/", include("yibao.documents.urls")),
    path("enrollment/", include("yibao.enrollment.urls")),
    path("transfers/", include("yibao.transfers.urls")),
    path("offsite/", include("yibao.offsite.urls")),
    path("medical-aid/", include("yibao.medical_aid.urls")),
    path("maternity/", include("yibao.maternity.urls")),
    path("qualifications/", include("yibao.qualifications.urls")),
    path("institutions/", include("yibao.institutions.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("accounts/", include("yibao.accounts.urls")),
]
