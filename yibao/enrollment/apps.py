from django.apps import AppConfig


class EnrollmentConfig(AppConfig):
    name = "yibao.enrollment"
    label = "enrollment"
    verbose_name = "参保登记"

    def ready(self):
        from yibao.cases.routing import register_home_lookup, register_name_lookup
        from yibao.enrollment import handlers  # noqa: F401  (registers item handlers)
        from yibao.enrollment.selectors import enrolled_home_agency, enrolled_name

        register_home_lookup(enrolled_home_agency)
        register_name_lookup(enrolled_name)

        from django.db.models.signals import post_delete, post_save

        from yibao.enrollment.models import RegionPolicy
        from yibao.enrollment.policies import forget_policies

        post_save.connect(forget_policies, sender=RegionPolicy, dispatch_uid="forget-policies-save")
        post_delete.connect(forget_policies, sender=RegionPolicy, dispatch_uid="forget-policies-delete")
