from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "safepassage.sharing"
    label = "sharing"
    verbose_name = "Sharing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from safepassage.audit.recorder import register
        from safepassage.sharing import models as m

        # Agreements, the record of what crossed and the map of imported ids are audited writes.
        register(m.SharingAgreement, m.ShareRecord, m.ExternalObject, m.InstanceIdentity, m.Peer)
