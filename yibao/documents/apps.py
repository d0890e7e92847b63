from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "yibao.documents"
    label = "documents"
    verbose_name = "证明文书"
