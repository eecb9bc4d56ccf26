"""Word lists that several rule modules share, so that each rule reads the same words."""

from __future__ import annotations

#: Verbs that report speech: a place, number or date next to one belongs to a statement
#: ("officials in Quetta said", "two survivors told", "police said on Monday").
SPEECH_VERBS = (
    r"(?:said|says|say|told|added|confirmed|stated|reported|announced|claimed|recalled|noted|"
    r"warned|quoted|disclosed|spoke|insisted|acknowledged|explained|condemn(?:ed|s))"
)

#: Titles of officials, in any case ("Interior Minister", "vice-minister", "the IG's deputy").
TITLE_NOUN = (
    r"(?i:inspector[- ]general|director[- ]general|deputy\s+director|director|"
    r"(?:vice[- ]|deputy\s+)?minister|secretary|commissioner|ambassador|spokes(?:man|woman|person)|"
    r"governor|consul[- ]general|consul|commander|chairman|president|envoy|advis[eo]r|"
    r"chief\s+(?:minister|secretary|of\s+\w+))"
)

#: Honorifics and religious titles written before a name ("Mr Zhou", "Maulana Fazlur Rehman").
#: They are not part of the name: a participant is named without them, and a name word used
#: alone later is never one of them.
HONORIFICS = (
    "Mawlawi",
    "Maulvi",
    "Moulvi",
    "Maulana",
    "Mullah",
    "Mufti",
    "Qari",
    "Haji",
    "Dr",
    "Mr",
    "Mrs",
    "Ms",
    "Sir",
)
