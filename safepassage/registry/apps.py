from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "safepassage.registry"
    label = "registry"
    verbose_name = "Registry"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from safepassage.audit.recorder import register
        from safepassage.registry import models as m

        register(m.Organisation, m.Project, m.ProtectionUnit, m.Vehicle, m.Site, m.ProtectedPerson)
