"""Offline gazetteer and geocoder for Safe Passage (Pakistan and China in depth, world basics).

Public interface::

    from safepassage.geo import Gazetteer, Place, normalise_admin1, distance_km

    gaz = Gazetteer.default()
    gaz.resolve("Bisham", context=["Shangla"])       # Place(id='local:besham', ...)
    normalise_admin1("NWFP")                          # 'Khyber Pakhtunkhwa'

Nothing is loaded at import time; :meth:`Gazetteer.default` builds the index on first use.
"""

from .admin import normalise_admin1
from .gazetteer import Gazetteer
from .model import Place, distance_km

__all__ = ["Gazetteer", "Place", "distance_km", "normalise_admin1"]
