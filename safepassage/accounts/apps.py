from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "safepassage.accounts"
    label = "accounts"
    verbose_name = "Accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from safepassage.accounts.models import ApiToken, User
        from safepassage.audit.recorder import register

        register(User, ApiToken)
