"""Generated news reports of made-up attacks, for load tests, benchmarks and crash tests.

Each generated event is reported by several articles worded differently, so a correct
pipeline links every article of one event to one incident. The wording is our own.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator
from dataclasses import dataclass

# Towns the gazetteer resolves to town precision, spread over Pakistan's provinces and at least
# 40 km apart, so that two generated events are never plausibly the same one.
TOWNS = (
    "Quetta",
    "Peshawar",
    "Gwadar",
    "Turbat",
    "Dera Ismail Khan",
    "Bannu",
    "Khuzdar",
    "Karachi",
    "Lahore",
    "Chitral",
    "Gilgit",
    "Sukkur",
    "Hyderabad",
    "Multan",
    "Faisalabad",
    "Abbottabad",
    "Zhob",
    "Sibi",
    "Kalat",
    "Dasu",
    "Chilas",
    "Thatta",
    "Jacobabad",
    "Parachinar",
)
_TEMPLATES = (
    "{upper}: A roadside bomb struck a convoy carrying Chinese engineers near {town} on "
    "{date}, killing {deaths} people, police said. Security forces cordoned off the area.",
    "At least {deaths} people were killed when a bomb hit a vehicle carrying Chinese workers in "
    "{town} on {date}, officials said. No group has claimed responsibility so far.",
    "{upper}: {deaths_word} people died in a bomb blast that targeted a convoy of Chinese "
    "nationals near {town} on {date}, a police official said. An investigation has begun.",
    "A bomb attack on a convoy of Chinese engineers near {town} on {date} killed {deaths} "
    "people, according to the district police. The injured were taken to hospital.",
)
_WORDS = "zero one two three four five six seven eight nine ten".split()


@dataclass(frozen=True)
class Article:
    """One generated article and the event it reports (``event`` numbers the real event)."""

    event: int
    variant: int
    title: str
    text: str
    published: datetime.date
    town: str
    date: datetime.date
    deaths: int


def event_of(
    index: int, start: datetime.date = datetime.date(2015, 1, 5)
) -> tuple[str, datetime.date, int]:
    """The town, date and death toll of generated event ``index`` (deterministic).

    Events in the same town are a week apart, further than the linker's two-day window.
    """
    town = TOWNS[index % len(TOWNS)]
    day = start + datetime.timedelta(days=7 * (index // len(TOWNS)) + index % 3)
    return town, day, 2 + index % 9


def articles(events: int, per_event: int, seed: int = 7) -> Iterator[Article]:
    """``events`` × ``per_event`` articles, shuffled the way a feed delivers them."""
    out = []
    for index in range(events):
        town, day, deaths = event_of(index)
        for variant in range(per_event):
            template = _TEMPLATES[variant % len(_TEMPLATES)]
            text = template.format(
                upper=town.upper(),
                town=town,
                date=f"{day:%B} {day.day}, {day.year}",
                deaths=deaths,
                deaths_word=_WORDS[deaths].capitalize() if deaths < len(_WORDS) else str(deaths),
            )
            # A distinct closing line per copy, as outlets add their own.
            text += f" (Desk report {index}-{variant}.)"
            out.append(
                Article(
                    event=index,
                    variant=variant,
                    title=f"event-{index}-copy-{variant}",
                    text=text,
                    published=day + datetime.timedelta(days=variant % 2),
                    town=town,
                    date=day,
                    deaths=deaths,
                )
            )
    random.Random(seed).shuffle(out)
    yield from out
