from django.contrib import admin

from yibao.documents.models import IssuedDocument


@admin.register(IssuedDocument)
class IssuedDocumentAdmin(admin.ModelAdmin):
    list_display = ("code", "kind", "title", "issuer", "issued_at", "case_number", "revoked_at")
    list_filter = ("kind", "revoked_at")
    search_fields = ("code", "case_number", "title")
    readonly_fields = ("code", "kind", "title", "subject_summary", "issuer", "issued_at", "sha256",
                       "case_number", "issued_by", "revoked_at", "revoked_reason")

    def has_add_permission(self, request):
        return False  # documents are issued by the services, with their PDF

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead (services.revoke_document)
