"""Choice sets of the registry: stored codes with human labels (and colours where shown)."""

from django.db import models


class Province(models.TextChoices):
    """Pakistan's provinces and territories, by their current official names."""

    PUNJAB = "PB", "Punjab"
    SINDH = "SD", "Sindh"
    KHYBER_PAKHTUNKHWA = "KP", "Khyber Pakhtunkhwa"
    BALOCHISTAN = "BA", "Balochistan"
    GILGIT_BALTISTAN = "GB", "Gilgit-Baltistan"
    AZAD_KASHMIR = "AJK", "Azad Jammu and Kashmir"
    ISLAMABAD = "ICT", "Islamabad Capital Territory"


class OrganisationKind(models.TextChoices):
    PROTECTION_UNIT = "protection_unit", "Police protection unit"
    SECURITY_OFFICE = "security_office", "Project or employer security office"
    COMPANY = "company", "Employer or contractor"
    MINISTRY = "ministry", "Ministry or government department"
    EMBASSY = "embassy", "Embassy or consulate"
    OTHER = "other", "Other"


class SiteKind(models.TextChoices):
    PROJECT_SITE = "project_site", "Project site"
    CAMP = "camp", "Camp"
    OFFICE = "office", "Office"
    RESIDENCE = "residence", "Residence"
    INDUSTRIAL_ZONE = "industrial_zone", "Industrial zone"
    AIRPORT = "airport", "Airport"
    PORT = "port", "Port"
    CHECKPOINT = "checkpoint", "Checkpoint"
    OTHER = "other", "Other"


class Posture(models.IntegerChoices):
    """A site's security posture, from routine to locked down."""

    NORMAL = 1, "Normal"
    GUARDED = 2, "Guarded"
    ELEVATED = 3, "Elevated"
    HIGH = 4, "High"
    LOCKDOWN = 5, "Lockdown"

    @property
    def colour(self) -> str:
        return {1: "#2e7d32", 2: "#558b2f", 3: "#f9a825", 4: "#ef6c00", 5: "#c62828"}[self.value]


class UnitStatus(models.TextChoices):
    AVAILABLE = "available", "Available"
    DEPLOYED = "deployed", "Deployed"
    STAND_DOWN = "stand_down", "Stood down"


class VehicleStatus(models.TextChoices):
    AVAILABLE = "available", "Available"
    IN_USE = "in_use", "In use"
    MAINTENANCE = "maintenance", "In maintenance"
