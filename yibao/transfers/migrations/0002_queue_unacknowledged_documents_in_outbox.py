"""Documents sent to a peer before the outbox existed and never acknowledged (no receipt)
become pending outbox messages, so the worker delivers them; acknowledged ones need nothing.

Before the outbox a failed POST rolled the whole leg back, so normally there are none;
this keeps any row written otherwise (an import, a manual fix) from being forgotten.
"""

from django.db import migrations
from django.utils import timezone

KIND = "transfers.document"


def queue(apps, schema_editor):
    TransferDocument = apps.get_model("transfers", "TransferDocument")
    OutboxMessage = apps.get_model("outbox", "OutboxMessage")
    now = timezone.now()
    for sent in TransferDocument.objects.filter(direction="sent", receipt={}):
        OutboxMessage.objects.get_or_create(
            key=f"{KIND}:{sent.document_id}",
            defaults={"kind": KIND, "destination": sent.peer, "payload": {"document_id": sent.document_id},
                      "next_attempt_at": now})


class Migration(migrations.Migration):
    dependencies = [
        ("transfers", "0001_transfers_legs_documents"),
        ("outbox", "0001_outbox_message"),
    ]

    operations = [migrations.RunPython(queue, migrations.RunPython.noop)]
