"""Deterministic article catalogue of the demo news site.

Every value derives from fixed seeds and fixed dates; nothing reads the clock,
so two processes always produce the same articles and therefore the same bytes.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache

# All dates fall in Kyiv summer time, so a fixed +03:00 offset is exact and
# keeps the output independent of the host's tz database.
KYIV = timezone(timedelta(hours=3), "EEST")
FIRST_DAY = date(2024, 6, 1)
DAYS = 60
TOTAL = 240
SECTIONS = ("news", "war", "business", "opinion", "culture")
SECTION_TITLES = {s: s.capitalize() for s in SECTIONS}
REVISIONS = (1, 2)
NEWS_DESK = "The Kyiv Independent news desk"


@dataclass(frozen=True)
class DemoArticle:
    slug: str
    section: str
    path: str
    headline: str
    authors: tuple[str, ...]
    published: datetime
    modified: datetime
    description: str
    caption: str
    image_path: str
    paragraphs: tuple[str, ...]
    revised: bool = False


def check_revision(revision: int) -> int:
    if revision not in REVISIONS:
        raise ValueError(f"revision must be one of {REVISIONS}, got {revision!r}")
    return revision


def article_path(section: str, published: datetime, slug: str) -> str:
    return f"/{section}/{published:%Y/%m/%d}/{slug}/"


def slugify(text: str, max_words: int = 12) -> str:
    words = re.findall(r"[a-z0-9]+", text.lower().replace("'", ""))
    return "-".join(words[:max_words])


# A sentence ends at . ! or ? (possibly inside a closing quote) before a capital.
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”]))\s+(?=[A-Z\"“])")


def sentences(text: str) -> list[str]:
    """Split prose into sentences; good enough for the site's own text."""
    return [s for s in _SENTENCE_END.split(text) if s]


def _make(section, published, slug, headline, authors, caption, paragraphs, description=None):
    return DemoArticle(
        slug=slug, section=section, path=article_path(section, published, slug),
        headline=headline, authors=tuple(authors), published=published,
        modified=published, description=description or sentences(paragraphs[0])[0],
        caption=caption, image_path=f"/images/{slug}.png", paragraphs=tuple(paragraphs),
    )


def _seed_article() -> DemoArticle:
    s = SEED
    return _make("news", s["published"], s["slug"], s["headline"], s["authors"],
                 s["caption"], s["paragraphs"], description=s["paragraphs"][0])


def _teaser_article() -> DemoArticle:
    t = SEED_TEASER
    return _make("opinion", t["published"], slugify(t["headline"]), t["headline"],
                 t["authors"], t["caption"], t["paragraphs"])


def _day_counts(rng: random.Random, fixed: int) -> list[int]:
    """At least two articles a day; the remainder lands on random days."""
    counts = [2] * DAYS
    for _ in range(TOTAL - fixed - 2 * DAYS):
        counts[rng.randrange(DAYS)] += 1
    return counts


def _losses(rng: random.Random, published: datetime) -> int:
    """A running total that grows with the date, as the daily reports do."""
    return 505_000 + (published.date() - FIRST_DAY).days * 1_150 + rng.randint(0, 900)


def _frame(rng: random.Random, published: datetime) -> dict[str, str]:
    """One story's facts, shared by its headline, lead and body sentences."""
    country, capital, adjective = rng.choice(COUNTRIES)
    n_mid = rng.randint(20, 90)
    before = published - timedelta(days=1)
    frame = {key: rng.choice(values) for key, values in POOLS.items()}
    frame["city2"] = rng.choice([c for c in POOLS["city"] if c != frame["city"]])
    frame.update(
        country=country, capital=capital, country_adj=adjective,
        n_small=str(rng.randint(2, 19)), n_mid=str(n_mid), n_mid2=str(n_mid + rng.randint(3, 30)),
        n_big=f"{rng.randint(1, 9)},{rng.randint(100, 999)}", pct=str(rng.randint(3, 38)),
        money=f"${rng.randint(12, 950)} million", rate=rng.choice(("13", "13.5", "14")),
        fx=f"{rng.randint(40, 41)}.{rng.randint(10, 95)}",
        losses=f"{_losses(rng, published):,}",
        day_phrase=f"on {before:%B} {before.day}", month=f"{published:%B}",
        month_prev=f"{(published.replace(day=1) - timedelta(days=1)):%B}",
        year=str(published.year),
    )
    return frame


def _body(rng: random.Random, section: str, lead: str, frame: dict) -> list[str]:
    bank = BODY[section] + BODY["generic"]
    picks = rng.sample(bank, len(bank))
    paragraphs = [lead.format(**frame)]
    for _ in range(rng.randint(3, 9)):
        count = min(rng.randint(2, 3), len(picks))
        if not count:
            break
        chosen, picks = picks[:count], picks[count:]
        paragraphs.append(" ".join(t.format(**frame) for t in chosen))
    return paragraphs


def _authors(rng: random.Random, section: str) -> list[str]:
    if section == "opinion":
        return [rng.choice(AUTHORS)]
    names = rng.sample(AUTHORS, rng.choice((1, 1, 2, 2, 3)))
    if len(names) < 3 and rng.random() < 0.3:
        names.append(NEWS_DESK)
    return names


def _generated(rng: random.Random, section: str, published: datetime, taken: set[str]) -> DemoArticle:
    for _ in range(50):
        frame = _frame(rng, published)
        headline_tpl, lead_tpl = rng.choice(HEADLINES[section])
        headline = headline_tpl.format(**frame)
        slug = slugify(headline)
        if slug not in taken:
            break
    taken.add(slug)
    caption = rng.choice(CAPTIONS[section]).format(**frame) + (
        f" ({rng.choice(PHOTOGRAPHERS)}/{rng.choice(AGENCIES)})")
    return _make(section, published, slug, headline, _authors(rng, section),
                 caption, _body(rng, section, lead_tpl, frame))


def _times(rng: random.Random, day: date, count: int, reserved: list[int]) -> list[datetime]:
    """Distinct minutes between 07:00 and 22:59 so sort order never ties."""
    free = [m for m in range(7 * 60, 23 * 60) if m not in reserved]
    minutes = sorted(rng.sample(free, count))
    return [datetime.combine(day, time(m // 60, m % 60), KYIV) for m in minutes]


@lru_cache(maxsize=None)
def _base() -> tuple[DemoArticle, ...]:
    rng = random.Random(20240704)
    fixed = [_seed_article(), _teaser_article()]
    taken = {a.slug for a in fixed}
    reserved = {a.published.date(): [] for a in fixed}
    for a in fixed:
        reserved[a.published.date()].append(a.published.hour * 60 + a.published.minute)
    out = list(fixed)
    for offset, count in enumerate(_day_counts(rng, len(fixed))):
        day = FIRST_DAY + timedelta(days=offset)
        for published in _times(rng, day, count, reserved.get(day, [])):
            section = rng.choice(SECTIONS)
            out.append(_generated(rng, section, published, taken))
    return tuple(sorted(out, key=lambda a: (a.published, a.slug), reverse=True))


@lru_cache(maxsize=None)
def revision_plan() -> dict[str, bool]:
    """Slugs revised in revision 2, mapped to whether the headline changes too.

    The seed and its teaser are excluded so the seed page never changes.
    """
    protected = {SEED["slug"], slugify(SEED_TEASER["headline"])}
    candidates = sorted(a.slug for a in _base() if a.slug not in protected)
    chosen = random.Random(8).sample(candidates, round(len(candidates) / 8))
    return {slug: i % 3 == 0 for i, slug in enumerate(chosen)}


# Counts only: decimals, years and the day in "July 3" must stay true.
_NUMBER = re.compile(r"(?<![\d,.])(\d{1,3}(?:,\d{3})+|\d+)(?!\d|[.,]\d)")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July",
           "August", "September", "October", "November", "December")


def _bump_number(text: str, rng: random.Random) -> tuple[str, str, str] | None:
    """Raise the first count in text; returns (new text, old token, new token)."""
    for match in _NUMBER.finditer(text):
        token = match.group()
        if re.fullmatch(r"20\d\d", token) or text[:match.start()].rstrip().endswith(_MONTHS):
            continue
        value = int(token.replace(",", "")) + rng.randint(1, 4)
        new = f"{value:,}" if "," in token else str(value)
        return f"{text[:match.start()]}{new}{text[match.end():]}", token, new
    return None


def _revise_paragraph(text: str, rng: random.Random) -> str:
    bumped = _bump_number(text, rng) if rng.random() < 0.5 else None
    return bumped[0] if bumped else f"{text} {rng.choice(UPDATES)}"


def _revise_headline(article: DemoArticle, rng: random.Random) -> tuple[str, str]:
    """New headline and lead; an updated count in the headline is carried into the lead."""
    headline, lead = article.headline, article.paragraphs[0]
    bumped = _bump_number(headline, rng)
    if bumped:
        return bumped[0], lead.replace(bumped[1], bumped[2], 1)
    for old, new in REPHRASINGS:
        if old in headline:
            return headline.replace(old, new, 1), lead
    return f"Update: {headline}", lead


def _revise(article: DemoArticle, new_headline: bool) -> DemoArticle:
    rng = random.Random(f"revise:{article.slug}")
    paragraphs = list(article.paragraphs)
    headline, first = article.headline, 0
    if new_headline:
        headline, paragraphs[0] = _revise_headline(article, rng)
        first = 1  # keep the lead in step with the headline's figures
    for index in rng.sample(range(first, len(paragraphs)), rng.choice((1, 2))):
        paragraphs[index] = _revise_paragraph(paragraphs[index], rng)
    # Corrections land the next morning, a plausible newsroom rhythm.
    modified = datetime.combine(article.published.date() + timedelta(days=1), time(10, 0), KYIV)
    return replace(article, headline=headline, paragraphs=tuple(paragraphs), modified=modified,
                   description=sentences(paragraphs[0])[0], revised=True)


@lru_cache(maxsize=None)
def _articles(revision: int) -> tuple[DemoArticle, ...]:
    plan = revision_plan() if check_revision(revision) > 1 else {}
    return tuple(_revise(a, plan[a.slug]) if a.slug in plan else a for a in _base())


def build_articles(revision: int = 1) -> list[DemoArticle]:
    """All articles of a revision, newest first. Pure: same input, same output."""
    return list(_articles(revision))


def seed_teaser_slug() -> str:
    return slugify(SEED_TEASER["headline"])


def keywords(article: DemoArticle) -> list[str]:
    text = " ".join((article.headline, *article.paragraphs[:2]))
    return [SECTION_TITLES[article.section]] + [t for t in TAGS if t in text][:5]


def read_minutes(article: DemoArticle) -> int:
    words = sum(len(p.split()) for p in article.paragraphs)
    return max(1, -(-words // 200))


# --- Vocabulary -------------------------------------------------------------
# Hand-written phrase banks. Names of people are invented except in the seed
# article, whose text reproduces the archived original.

SEED = {
    "slug": "relations-between-russia-china-are-at-their-best-in-history-xi-putin-says",
    "headline": "Relations between Russia, China are 'at their best in history,' Xi, Putin says",
    "authors": ("Nate Ostiller", NEWS_DESK),
    "published": datetime(2024, 7, 4, 9, 22, tzinfo=KYIV),
    "caption": (
        "Russian President Vladimir Putin (R) meets with China's President Xi Jinping (L) on the "
        "sidelines of the Shanghai Cooperation Organization (SCO) member states leaders' summit in "
        "Astana on July 3, 2024. (Pavel Volkov/POOL/AFP via Getty Images)"),
    "paragraphs": (
        "Russian President Vladimir Putin and his Chinese counterpart Xi Jinping met at a summit of "
        "the Shanghai Cooperation Organization (SCO) in Astana, Kazakhstan, on July 3.",
        "Xi indicated his support for Russia on the subject of its full-scale war on Ukraine, saying "
        "on the sidelines of the summit that China \"has always stood on the right side of history.\"",
        "In what was the second meeting of the two leaders in the last two months, Xi and Putin "
        "concurred that the bilateral relations were at a historical highpoint, and jointly protect "
        "\"regional tranquility and stability.\"",
        "In turn, Putin also voiced opposition to outside interference in the South China Sea, where "
        "China has sought to further spread its influence and territorial control, putting it at odds "
        "with U.S. allies and interests in the region.",
        "Although China officially maintains a neutral stance on Russia's full-scale war in Ukraine and "
        "denies providing lethal aid, Beijing and Moscow continue to strengthen their ties. Finnish "
        "President Alexander Stubb said earlier in July that Russia's reliance on China has developed "
        "to the point where Beijing could end a war with one phone call.",
        "Various countries, including the U.S., have accused China of continuously aiding Russia's war "
        "machine in Ukraine by providing machine tools, weapons technology, satellite imagery, "
        "semiconductors, and other dual-use technologies.",
    ),
}

# The opinion piece the seed page advertises in its in-body teaser card.
SEED_TEASER = {
    "headline": "The new EU leadership must unite on China",
    "authors": ("Halyna Vovk",),
    "published": datetime(2024, 7, 3, 18, 5, tzinfo=KYIV),
    "caption": "Flags in front of the Berlaymont building in Brussels on June 27, 2024. (Marek Dvorak/Global Images via Getty Images)",
    "paragraphs": (
        "The European Union’s foreign policy will soon be under new management. While Ursula von der "
        "Leyen seems well positioned to carry on as European Commission president, there will be a new "
        "president of the European Council and a new foreign policy chief. They will inherit an "
        "unenviable agenda that runs from a war on the continent to a trading partner that keeps "
        "testing the bloc’s patience.",
        "For years, member states have treated China as three things at once: a partner, a competitor "
        "and a systemic rival. That formula allowed every capital to pick the label it liked best.",
        "The war against Ukraine has made the ambiguity expensive. Components made in China keep "
        "turning up in the drones and missiles that strike Ukrainian cities, and Beijing has shown no "
        "interest in restraining its neighbor.",
        "A common line does not require a trade war. It requires that the bloc enforce the sanctions it "
        "has already adopted, close the loopholes that run through third countries, and speak with one "
        "voice when leaders travel to Beijing.",
        "The new team in Brussels will have five years to show that Europe can act as a geopolitical "
        "power. China is where that claim will be tested first.",
    ),
}

AUTHORS = (
    "Olena Kovalchuk", "Dmytro Savchenko", "Iryna Melnyk", "Andriy Bondarenko", "Kateryna Tkachenko",
    "Yuliia Shevchuk", "Oleksandr Marchenko", "Anastasiia Lysenko", "Maksym Rudenko", "Sofiia Hnatiuk",
    "Taras Petrenko", "Daria Moroz", "Bohdan Kravets", "Vira Pavlenko", "Ostap Zhuk", "Halyna Vovk",
    "Mark Ellison", "Claire Dubois", "Tomas Novak", "Alina Sydorenko",
)
PHOTOGRAPHERS = ("Anna Koval", "Serhii Lutsenko", "Marek Dvorak", "Yevhen Honchar", "Lena Berg",
                 "Pavlo Stasiuk", "Ihor Shpak", "Nadia Kulyk")
AGENCIES = ("Global Images Ukraine via Getty Images", "AFP via Getty Images", "Anadolu via Getty Images",
            "NurPhoto via Getty Images", "The Kyiv Independent", "Ukrinform/Future Publishing via Getty Images")

COUNTRIES = (
    ("Poland", "Warsaw", "Polish"), ("Germany", "Berlin", "German"), ("France", "Paris", "French"),
    ("Lithuania", "Vilnius", "Lithuanian"), ("the Netherlands", "The Hague", "Dutch"),
    ("Denmark", "Copenhagen", "Danish"), ("Canada", "Ottawa", "Canadian"), ("Japan", "Tokyo", "Japanese"),
    ("Sweden", "Stockholm", "Swedish"), ("Norway", "Oslo", "Norwegian"), ("Finland", "Helsinki", "Finnish"),
    ("Estonia", "Tallinn", "Estonian"), ("Czechia", "Prague", "Czech"), ("Italy", "Rome", "Italian"),
    ("Spain", "Madrid", "Spanish"), ("the U.K.", "London", "British"),
)

POOLS = {
    "city": ("Kharkiv", "Odesa", "Dnipro", "Lviv", "Zaporizhzhia", "Mykolaiv", "Sumy", "Chernihiv",
             "Poltava", "Vinnytsia", "Kherson", "Zhytomyr", "Ivano-Frankivsk", "Uzhhorod", "Rivne",
             "Ternopil", "Cherkasy", "Kyiv"),
    "oblast": ("Kharkiv Oblast", "Donetsk Oblast", "Sumy Oblast", "Zaporizhzhia Oblast", "Kherson Oblast",
               "Dnipropetrovsk Oblast", "Mykolaiv Oblast", "Chernihiv Oblast", "Odesa Oblast", "Poltava Oblast"),
    "front_town": ("Chasiv Yar", "Toretsk", "Pokrovsk", "Vovchansk", "Kupiansk", "Krasnohorivka",
                   "Niu-York", "Robotyne", "Staromaiorske", "Lyptsi"),
    "occupied_region": ("Crimea", "Luhansk Oblast", "Zaporizhzhia Oblast", "Kherson Oblast", "Donetsk Oblast"),
    "ru_region": ("Belgorod Oblast", "Kursk Oblast", "Bryansk Oblast", "Rostov Oblast", "Voronezh Oblast",
                  "Krasnodar Krai", "Tambov Oblast"),
    "sector": ("agricultural", "steel", "IT", "defense", "energy", "logistics", "construction", "pharmaceutical"),
    "policy": ("military registration", "renewable energy auctions", "anti-corruption oversight",
               "veterans' support", "land reform", "customs modernization", "national minorities",
               "cultural heritage protection"),
    "policy_area": ("rule of law", "public procurement", "energy", "agriculture", "competition",
                    "transport", "digital services"),
    "aid_kind": ("military aid", "air defense", "humanitarian aid", "energy equipment", "demining",
                 "armored vehicle", "artillery ammunition"),
    "need": ("air defense", "energy grid", "reconstruction", "demining effort", "defense industry"),
    "topic": ("air defense", "reconstruction financing", "grain exports", "energy security",
              "sanctions enforcement", "the return of deported children", "defense production"),
    "ministry_role": ("energy minister", "agrarian policy minister", "infrastructure minister",
                      "youth and sports minister", "deputy prime minister for European integration"),
    "art_group": ("Ukrainian modernists", "young artists from the front-line regions",
                  "photographers documenting the war", "folk masters from the Carpathians",
                  "avant-garde painters of the 1920s"),
    "book": ("The Salt Road", "Letters from Bucha", "A House on the Dnipro", "Winter Without Light",
             "The Orchard Keepers", "Small Hours in Kharkiv"),
    "cause": ("children's hospitals", "evacuation vehicles", "the restoration of damaged libraries",
              "rehabilitation centers for veterans", "generators for schools"),
    "analyst": ("Viktor Hlushko", "Marta Orlyk", "Jonas Weber", "Roman Kuzmenko", "Emily Carter",
                "Serhii Tkach", "Ines Lindqvist"),
    "think_tank": ("a Kyiv-based policy institute", "a Warsaw think tank", "the Center for Eastern Studies",
                   "a Brussels research group", "an independent economic institute in Kyiv"),
    "official": ("the regional governor", "the city's mayor", "a spokesperson for the Air Force",
                 "the head of the regional military administration", "a senior government official"),
    "facility": ("an ammunition plant", "a wind farm", "a grain terminal", "a logistics hub",
                 "a solar power station", "a drone factory"),
}

HEADLINES = {
    "news": (
        ("{country} pledges new {aid_kind} package for Ukraine worth {money}",
         "{country} will provide Ukraine with a new {aid_kind} package worth {money}, the {country_adj} government announced {day_phrase}."),
        ("Parliament approves bill on {policy} in first reading",
         "Ukraine's parliament approved a bill on {policy} in the first reading {day_phrase}, with {n_mid} lawmakers speaking in the debate."),
        ("{country_adj} foreign minister visits {city}, discusses {topic}",
         "The {country_adj} foreign minister arrived in {city} {day_phrase} for talks focused on {topic}."),
        ("Verkhovna Rada appoints new {ministry_role}",
         "Ukraine's parliament voted {day_phrase} to appoint a new {ministry_role}, filling a post that had been vacant for {n_small} weeks."),
        ("Ukraine, {country} sign agreement on {topic}",
         "Ukraine and {country} signed an agreement on {topic} in {capital} {day_phrase}, officials said."),
        ("Prosecutors charge {n_small} officials in {sector} procurement case",
         "Anti-corruption prosecutors charged {n_small} officials {day_phrase} in a case involving {sector} procurement contracts worth {money}."),
        ("Ukraine brings home {n_small} children deported to Russia, ombudsman says",
         "Ukraine has returned {n_small} children who had been deported to Russia or occupied territories, the human rights ombudsman said {day_phrase}."),
        ("EU screening of Ukraine's {policy_area} laws begins in Brussels",
         "The European Commission began screening Ukraine's legislation on {policy_area} {day_phrase}, a step in the country's accession process."),
    ),
    "war": (
        ("Russian attack on {city} kills {n_small}, injures {n_mid}",
         "A Russian attack on {city} killed {n_small} people and injured {n_mid} {day_phrase}, {official} said."),
        ("Ukraine downs {n_mid} of {n_mid2} drones launched overnight, Air Force says",
         "Ukraine's air defense shot down {n_mid} of {n_mid2} drones that Russia launched overnight, the Air Force reported {day_phrase}."),
        ("General Staff: Russia has lost {losses} troops in Ukraine since start of full-scale invasion",
         "Russia has lost {losses} troops in Ukraine since the beginning of its full-scale invasion, the General Staff of Ukraine's Armed Forces reported {day_phrase}."),
        ("Fighting intensifies near {front_town} as Russian forces press assault",
         "Russian forces carried out {n_mid} assaults near {front_town} over the past day as fighting in the area intensified, the military reported {day_phrase}."),
        ("Ukrainian drones hit oil depot in Russia's {ru_region}, source says",
         "Ukrainian drones struck an oil depot in Russia's {ru_region} overnight, a source in the security services said {day_phrase}."),
        ("Russian glide bombs strike {oblast}, {n_small} injured",
         "Russian forces dropped glide bombs on settlements in {oblast} {day_phrase}, injuring {n_small} people, {official} said."),
        ("{n_mid} civilians evacuated from front-line {front_town}",
         "Volunteers and police evacuated {n_mid} civilians from the front-line town of {front_town} {day_phrase}, regional authorities said."),
        ("Partisans claim sabotage of railway line in occupied {occupied_region}",
         "A partisan group said {day_phrase} it had sabotaged a railway line used to supply Russian troops in occupied {occupied_region}."),
    ),
    "business": (
        ("Ukraine's {sector} exports rise {pct}% in {month_prev}",
         "Ukraine's {sector} exports rose by {pct}% in {month_prev} compared with the previous month, according to data published {day_phrase}."),
        ("National Bank of Ukraine keeps key policy rate at {rate}%",
         "The National Bank of Ukraine kept its key policy rate at {rate}% {day_phrase}, citing persistent risks to the economy."),
        ("{country_adj} company to build {facility} in {oblast}",
         "A {country_adj} company will build {facility} in {oblast}, investing {money} over {n_small} years, the Economy Ministry said {day_phrase}."),
        ("Hryvnia weakens to {fx} per dollar as demand for currency grows",
         "The Ukrainian hryvnia weakened to {fx} per U.S. dollar {day_phrase} as businesses and households bought more foreign currency."),
        ("Ukraine raises {money} at domestic bond auction",
         "The Finance Ministry raised {money} at a domestic government bond auction {day_phrase}, with demand from {n_mid} bidders."),
        ("{n_mid} ships have left Odesa ports since {month_prev}, Infrastructure Ministry says",
         "At least {n_mid} cargo ships have left the ports of Odesa Oblast since {month_prev}, the Infrastructure Ministry said {day_phrase}."),
        ("Energy Ministry plans {n_small} new gas turbine plants before winter",
         "The Energy Ministry plans to install {n_small} new gas turbine plants before the heating season, the ministry said {day_phrase}."),
        ("Ukraine's {sector} sector revenue up {pct}% despite war, association says",
         "Revenue in Ukraine's {sector} sector grew by {pct}% year-on-year despite the war, an industry association reported {day_phrase}."),
    ),
    "opinion": (
        ("Why {country} must do more for Ukraine's {need}",
         "{country} has been a steady friend to Ukraine, but on the {need} its contribution still falls short of what the moment demands."),
        ("The West cannot afford fatigue over {topic}",
         "Every few months, a new wave of commentary declares that the West is tired. On {topic}, tiredness is a luxury nobody can afford."),
        ("Ukraine's {policy_area} reform deserves more attention",
         "Headlines focus on the front line, but the quiet reform of {policy_area} in Ukraine may matter just as much for the country's future."),
        ("What {city} teaches us about resilience",
         "Anyone who has spent a week in {city} this summer knows that resilience is not a slogan but a daily routine."),
        ("The case for more {aid_kind}, made plain",
         "The argument for sending Ukraine more {aid_kind} is often buried in jargon. It deserves to be made plainly."),
        ("Sanctions on Russia's {sector} industry are leaking. Here is how to fix them",
         "Two years of sanctions have not stopped Russia's {sector} industry from finding new routes to the goods it needs."),
    ),
    "culture": (
        ("{city} film festival returns with {n_mid} screenings",
         "The annual film festival in {city} opened {day_phrase} with a program of {n_mid} screenings, some of them held in shelters."),
        ("Exhibition in {city} brings together {n_mid} works by {art_group}",
         "A new exhibition in {city} brings together {n_mid} works by {art_group}, the organizers announced {day_phrase}."),
        ("Ukrainian novel '{book}' shortlisted for European literature prize",
         "The Ukrainian novel '{book}' was shortlisted for a European literature prize {day_phrase}, one of {n_small} titles to make the list."),
        ("Orchestra from {city} tours {country} to raise funds for {cause}",
         "A symphony orchestra from {city} began a tour of {country} {day_phrase} to raise money for {cause}."),
        ("Restorers save {n_small} icons from damaged church in {oblast}",
         "Restorers have rescued {n_small} icons from a church damaged by shelling in {oblast}, the Culture Ministry said {day_phrase}."),
        ("Theater in {city} stages premiere in bomb shelter",
         "A drama theater in {city} staged a premiere in its bomb shelter {day_phrase}, playing to an audience of {n_mid} people."),
        ("Museum in {city} digitizes {n_big} objects to protect collection",
         "A museum in {city} has digitized {n_big} objects from its collection as a safeguard against Russian strikes, its director said {day_phrase}."),
    ),
}

BODY = {
    "news": (
        "The decision was welcomed by the Foreign Ministry, which called it a signal of long-term commitment.",
        "Lawmakers from several factions said the text would need amendments before the second reading.",
        "The agreement is expected to take effect within {n_small} weeks once both sides complete domestic procedures.",
        "Officials in {capital} said further steps would be discussed at a ministerial meeting later in {month}.",
        "Critics argued that the measure did not go far enough and urged the government to publish a detailed timeline.",
        "The ombudsman's office said it had documented {n_big} similar cases since the start of the full-scale invasion.",
        "Ukraine has been a candidate for EU membership since June 2022.",
        "The government said the funds would be distributed among {n_small} regions, with priority for front-line communities.",
    ),
    "war": (
        "Rescue workers pulled {n_small} people from the rubble, the State Emergency Service said.",
        "The attack damaged {n_mid} residential buildings, a school and several cars, according to local authorities.",
        "Russia has repeatedly targeted civilian infrastructure in {oblast} since the start of the full-scale war.",
        "Ukrainian forces repelled most of the attacks, the General Staff said in its evening update.",
        "The claims could not be immediately verified, and Russia's Defense Ministry did not comment.",
        "Air raid alerts lasted for more than {n_small} hours in several regions, including {city}.",
        "Russian troops have been trying to advance in the area for weeks, using small infantry groups supported by drones.",
        "The regional administration announced a day of mourning in {city}.",
        "According to preliminary estimates, about {n_big} people were left without power.",
    ),
    "business": (
        "Analysts expect the trend to continue through the end of the year if logistics remain stable.",
        "Most of the cargo went to buyers in the European Union, Turkey and North Africa.",
        "The project will create about {n_big} jobs, according to the company.",
        "The central bank said inflation was likely to accelerate in the second half of the year.",
        "Exporters have complained about higher insurance costs for ships calling at Ukrainian ports.",
        "The deal still requires approval from the Antimonopoly Committee.",
        "Companies in the sector have relocated part of their production to western Ukraine since 2022.",
        "The state budget deficit remains largely financed by international partners.",
    ),
    "opinion": (
        "This is not a question of charity but of Europe's own security.",
        "The cost of acting now is a fraction of the cost of waiting another year.",
        "Ukrainians have shown what they can do when they are given the tools.",
        "Policymakers in {capital} should be honest with their voters about what is at stake.",
        "History will not judge kindly those who mistook caution for wisdom.",
        "The answer lies less in new promises than in delivering on the old ones.",
        "None of this is easy, and none of it is optional.",
    ),
    "culture": (
        "Tickets sold out within {n_small} days, the organizers said.",
        "Part of the proceeds will be donated to {cause}.",
        "Many of the works have never been shown to the public before.",
        "The program includes discussions with artists who have served in the Armed Forces.",
        "Performances are interrupted whenever an air raid alert sounds, and the audience moves to the shelter.",
        "The project received support from partners in {country}.",
        "Curators said they wanted to show how culture survives under fire.",
    ),
    "generic": (
        "{analyst}, an analyst at {think_tank}, said the development reflected a broader shift in priorities.",
        "\u201cWe are seeing the results of months of work, but there is still a long way to go,\u201d {analyst} said.",
        "The news comes as {country} and other partners weigh their next steps in supporting Ukraine.",
        "Officials in {city} said the situation would be reviewed again in the coming weeks.",
        "Further details were expected to be published by {official}.",
        "The issue was also raised during a meeting of regional officials in {city2}.",
        "Similar steps were taken in {month_prev}, with mixed results.",
        "According to preliminary estimates, about {n_big} people could be affected.",
        "The Kyiv Independent could not independently verify all of the figures.",
        "Residents interviewed in {city} said they hoped the change would be felt quickly.",
        "The government has promised to report on progress by the end of {month}.",
        "Observers noted that the timing coincided with a series of diplomatic contacts in {capital}.",
        "Ukraine's partners have repeatedly stressed the need for transparency in how support is used.",
        "It is one of {n_small} such cases reported this year.",
    ),
}

CAPTIONS = {
    "news": ("Officials attend a press conference in {city} {day_phrase}, {year}.",
             "The building of the Verkhovna Rada in Kyiv {day_phrase}, {year}.",
             "Diplomats arrive for talks in {capital} {day_phrase}, {year}."),
    "war": ("Rescue workers at the site of a Russian attack in {city} {day_phrase}, {year}.",
            "Ukrainian soldiers near {front_town}, in Donetsk Oblast, {day_phrase}, {year}.",
            "A residential building damaged by a Russian strike in {oblast} {day_phrase}, {year}."),
    "business": ("A cargo ship at a port in Odesa Oblast {day_phrase}, {year}.",
                 "Workers at a plant in {oblast} {day_phrase}, {year}.",
                 "A currency exchange office in {city} {day_phrase}, {year}."),
    "opinion": ("A street in {city} {day_phrase}, {year}.",
                "Flags of Ukraine and the European Union in {capital} {day_phrase}, {year}."),
    "culture": ("Visitors at an exhibition in {city} {day_phrase}, {year}.",
                "Musicians perform in {city} {day_phrase}, {year}.",
                "A theater stage in {city} {day_phrase}, {year}."),
}

UPDATES = (
    "The figure was later confirmed by regional authorities.",
    "Officials provided additional details later in the day.",
    "The article has been updated with the latest official data.",
    "The ministry later clarified that the estimate was preliminary.",
)

# Headline rewrites a desk editor might make when no count changed.
REPHRASINGS = (
    ("cannot afford", "can't afford"), (" must do more ", " should do far more "),
    ("deserves more attention", "deserves far more attention"), (" visits ", " travels to "),
    ("weakens to", "slides to"), (" as demand for currency grows", " amid growing demand for currency"),
    ("Here is how", "Here's how"), ("teaches us", "can teach Europe"), ("made plain", "in plain words"),
    ("shortlisted for", "makes shortlist of"), ("stages premiere", "holds premiere"),
    ("sign agreement", "sign deal"), ("appoints new", "names new"), ("press assault", "step up assaults"),
    ("claim sabotage", "say they sabotaged"), (" begins in Brussels", " gets under way"),
    ("Ukraine brings home", "Ukraine returns"), ("source says", "sources say"),
)

TAGS = ("Russia", "China", "Vladimir Putin", "Xi Jinping", "European Union", "Air Force", "Kharkiv",
        "Odesa", "Donetsk Oblast", "Crimea", "Poland", "Germany", "sanctions", "energy", "drones")
