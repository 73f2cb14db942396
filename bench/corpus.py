"""A seeded generator of realistic, varied English text: short posts and long news articles.

Texts are built from templates whose slots are filled from name lists (people, organisations,
places, dates, money, quantities...), with clause-level variety, quotes, datelines and hashtags.
The same seed always gives the same corpus. Each generated text also knows where its entity
slots landed, so a large database can be given realistic spans without running spaCy.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path


def _words(joined: str, separator: str = " ") -> tuple[str, ...]:
    """A word list written compactly."""
    return tuple(joined.split(separator))


FIRST = _words(
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard "
    "Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy Matthew Betty "
    "Anthony Sandra Mark Ashley Donald Kimberly Steven Emily Paul Donna Andrew Michelle Joshua Carol "
    "Kenneth Amanda Kevin Melissa Brian Deborah George Stephanie Timothy Rebecca Ronald Sharon Jason "
    "Laura Edward Cynthia Jeffrey Amy Ryan Kathleen Jacob Angela Gary Shirley Nicholas Anna Eric "
    "Brenda Jonathan Pamela Stephen Emma Larry Nicole Justin Helen Scott Samantha Brandon Katherine "
    "Benjamin Christine Samuel Debra Gregory Rachel Alexander Carolyn Patrick Janet Frank Maria "
    "Raymond Olivia Jack Heather Dennis Diane Jerry Priya Wei Mohammed Fatima Hiroshi Yuki Olusegun "
    "Chiara Mateo Ingrid Sven Aisha Dmitri Elena Kofi Lucia Rahul Mei Tomasz Agnieszka Pierre Amelie "
    "Juan Carmen Ahmed Leila Kwame Nadia Hans Greta"
)
LAST = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
    "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Okafor Mensah "
    "Tanaka Suzuki Kowalski Novak Dubois Moreau Rossi Bianchi Muller Schmidt Fischer Weber Lindqvist "
    "Andersen Ivanova Petrov Sharma Patel Chen Wang Li Zhang Kim Park Choi Haddad Khalil Osei "
    "Abubakar Fernandes Silva Costa O'Brien McCarthy Byrne Murphy Kelly Gallagher Whitfield Ashworth "
    "Pemberton Delacroix Vasquez Romero"
)
TITLES = _words("Dr. Mr. Ms. Mrs. Prof. Sen. Gov. Gen. Judge Rep.")
ROLES = _words(
    "chief executive|finance minister|spokesperson|analyst|economist|mayor|president|chairwoman|"
    "chairman|director|professor|senior researcher|coach|striker|defence secretary|head of operations|"
    "union leader|prosecutor|lead engineer|ambassador",
    "|",
)
ORG_HEADS = _words(
    "Northwind Blue Harbor Silverline Redwood Apex Meridian Orion Vantage Crescent Ironbridge Summit "
    "Helios Cobalt Granite Lakeshore Pinecrest Quantum Sterling Evergreen Falcon Beacon Halcyon "
    "Nimbus Atlas Keystone Riverbend Stonegate Brightwater Kestrel Larkspur Monarch Zenith Westfield "
    "Eastgate"
)
ORG_TAILS = _words(
    "Holdings Group Capital Energy Pharmaceuticals Airlines Bank Motors Systems Logistics Foods "
    "Telecom Mining Insurance Partners Technologies Media Labs"
)
INSTITUTIONS = _words(
    "the European Commission|the World Bank|the International Monetary Fund|the United Nations|NATO|"
    "the Federal Reserve|the Bank of England|the European Central Bank|the World Health Organization|"
    "the Pentagon|the Kremlin|the Supreme Court|Parliament|the Senate|the Treasury|Reuters|"
    "the Associated Press|Greenpeace|Amnesty International|the Red Cross|FIFA|the Ministry of Defence|"
    "the Department of Justice|Harvard University|the University of Oxford|"
    "the Environmental Protection Agency|the Securities and Exchange Commission|UNICEF|OPEC",
    "|",
)
CITIES = _words(
    "London|Paris|Berlin|Madrid|Rome|Lisbon|Dublin|Warsaw|Prague|Vienna|Budapest|Athens|Stockholm|"
    "Oslo|Helsinki|Copenhagen|Amsterdam|Brussels|Geneva|Zurich|Istanbul|Cairo|Lagos|Nairobi|Accra|"
    "Johannesburg|Mumbai|Delhi|Karachi|Dhaka|Bangkok|Jakarta|Manila|Tokyo|Osaka|Seoul|Beijing|"
    "Shanghai|Sydney|Melbourne|Auckland|Toronto|Vancouver|Montreal|Chicago|Houston|Phoenix|Seattle|"
    "Boston|Denver|Atlanta|Miami|Detroit|Lima|Bogota|Santiago|Caracas|Quito|Havana|Kyiv|Kharkiv|Odesa|"
    "Minsk|Vilnius|Riga|Tallinn|Reykjavik|New York|Los Angeles|San Francisco|Mexico City|Buenos Aires|"
    "Sao Paulo|Cape Town|Hong Kong|Kuala Lumpur|Abu Dhabi|Tel Aviv|Rio de Janeiro",
    "|",
)
COUNTRIES = _words(
    "France|Germany|Spain|Italy|Portugal|Ireland|Poland|Austria|Hungary|Greece|Sweden|Norway|Finland|"
    "Denmark|Belgium|Switzerland|Turkey|Egypt|Nigeria|Kenya|Ghana|India|Pakistan|Bangladesh|Thailand|"
    "Indonesia|Japan|China|Australia|Canada|Mexico|Brazil|Argentina|Chile|Peru|Colombia|Venezuela|"
    "Ukraine|Russia|Lithuania|Latvia|Estonia|Iceland|Morocco|Vietnam|Singapore|Malaysia|Israel|Iran|"
    "Iraq|Qatar|the United States|the United Kingdom|South Africa|South Korea|New Zealand|"
    "Saudi Arabia|the Netherlands|the Czech Republic|the Philippines",
    "|",
)
NATIONALITIES = _words(
    "American British French German Spanish Italian Polish Swedish Norwegian Japanese Chinese Indian "
    "Brazilian Mexican Canadian Australian Nigerian Kenyan Russian Ukrainian Turkish Egyptian Korean "
    "Irish Dutch Greek Portuguese Argentine Chilean Israeli Iranian Danish Finnish"
)
MONTHS = _words("January February March April May June July August September October November December")
WEEKDAYS = _words("Monday Tuesday Wednesday Thursday Friday Saturday Sunday")
EVENTS = _words(
    "the World Cup|the Olympic Games|Wimbledon|the Tour de France|Brexit|the Paris Agreement|"
    "the Cold War|the Super Bowl|the Eurovision Song Contest|the G20 summit|Black Friday|"
    "the Great Depression|the Champions League final|COP28|the Davos forum",
    "|",
)
PRODUCTS = _words(
    "iPhone|Galaxy S24|Model Y|PlayStation 5|Windows 11|Kindle|Boeing 737 MAX|Airbus A320|ChatGPT|"
    "Xbox|Android|Prius|Walkman|Instagram|WhatsApp",
    "|",
)
WORKS = _words(
    "The Long Winter|Midnight in Lisbon|A River of Stars|The Quiet Years|Harbour Lights|"
    "Letters from Kyiv|The Last Orchard|Paper Moons|Northern Lines|The Glass Archive",
    "|",
)
FACILITIES = _words(
    "Heathrow Airport|the Golden Gate Bridge|Wembley Stadium|the Eiffel Tower|JFK Airport|"
    "the Suez Canal|the Hoover Dam|Central Station|the Channel Tunnel|Old Trafford",
    "|",
)
LAWS = _words(
    "the Clean Air Act|the Digital Markets Act|the Patriot Act|the Equality Act|"
    "the Data Protection Act|the Inflation Reduction Act",
    "|",
)
LANGUAGES = _words("English Spanish Mandarin Arabic French Hindi Portuguese Swahili")
TOPICS = _words(
    "inflation|interest rates|the housing market|climate policy|energy prices|wages|supply chains|"
    "the trade deficit|public health|the election|immigration|border security|artificial intelligence|"
    "data privacy|renewable energy|the pension system|food prices|the budget|the transfer window|"
    "the peace talks|rail strikes|water shortages",
    "|",
)
NOUNS = _words(
    "plan deal proposal report investigation agreement merger policy strike lawsuit forecast review "
    "inquiry package reform bid contract ruling tariff"
)
VERBS_PAST = _words(
    "announced rejected approved criticised defended unveiled delayed blocked welcomed questioned "
    "signed cancelled postponed backed condemned confirmed"
)
SAY = _words(
    "said|told reporters|wrote|added|warned|insisted|noted|argued|explained",
    "|",
)
ADVERBS = _words("sharply slightly steadily unexpectedly quietly abruptly gradually again")
ADJ = _words(
    "new controversial long-awaited ambitious modest surprising fragile costly landmark temporary "
    "sweeping limited bold overdue"
)
FEEL = _words(
    "Honestly|Wow|Ugh|Lol|Fun fact:|Hot take:|PSA:|Unpopular opinion:|So|Ok",
    "|",
)
EMOJI = _words("😂 🙄 🔥 👏 😬 🎉 💔 🤔 ✈️ ⚽")

PLACES = _words(
    "the Alps|the Baltic Sea|the Sahara|the Mekong Delta|the Rhine valley|the Pacific coast|the Highlands",
    "|",
)
WORDS = {
    "role": ROLES,
    "say": SAY,
    "adj": ADJ,
    "noun": NOUNS,
    "verb": VERBS_PAST,
    "topic": TOPICS,
    "adverb": ADVERBS,
    "feel": FEEL,
    "emoji": EMOJI,
}
SLOT = re.compile(r"\{([A-Za-z_]+)\}")
TIDY = re.compile(r" ([,.?!]|'s)")

# Upper-case slots are entities (their label is the slot name up to "_"); lower-case slots are plain words.
NEWS_SENTENCES = (
    "{PERSON} , the {role} of {ORG} , {say} on {DATE} that the {adj} {noun} would be {verb} by {ORG_b} .",
    "{ORG} {verb} a {MONEY} {noun} on {DATE} , {say_ing} it would create {CARDINAL} jobs in {GPE} .",
    "Shares in {ORG} fell {PERCENT} in early trading in {GPE} after the company {verb} its {noun} .",
    '"We are not going to stand by while {topic} gets worse," {PERSON} {say} in {GPE} .',
    "The {noun} , first proposed in {DATE} , has been {verb} by {ORG} and {ORG_b} .",
    "According to {ORG} , {topic} rose {adverb} to {PERCENT} in {DATE} , the highest level since {DATE_b} .",
    "{PERSON} flew to {GPE} on {DATE} for talks with {PERSON_b} about {topic} .",
    "In {GPE} , {CARDINAL} people marched through the centre of the city to protest against the {noun} .",
    "The {NORP} government {verb} the {noun} , which critics say could cost {MONEY} over {DATE} .",
    "{ORG} , which employs {CARDINAL} people worldwide , is based in {GPE} .",
    "Speaking at {FAC} , {PERSON} {say} that {topic} remained the {ORDINAL} priority .",
    "Last {DATE} , {ORG} agreed to pay {MONEY} to settle a lawsuit brought by {ORG_b} .",
    "{PERSON} , {CARDINAL} , has led {ORG} since {DATE} .",
    "The match at {FAC} ended {CARDINAL} - {CARDINAL_b} , and {PERSON} scored in the {ORDINAL} half .",
    "Under {LAW} , companies such as {ORG} must report {topic} to regulators in {GPE} .",
    "Analysts at {ORG} expect {topic} to ease by {DATE} , though {PERSON} was less optimistic .",
    "{PERSON} 's novel {WORK_OF_ART} , set in {GPE} , sold {CARDINAL} copies in its {ORDINAL} week .",
    "The {NORP} delegation left {GPE} at {TIME} on {DATE} without a {noun} .",
    "Ahead of {EVENT} , {ORG} said ticket sales had climbed {PERCENT} .",
    "Demand for the {PRODUCT} slowed in {GPE} , where {CARDINAL} units were sold in {DATE} .",
    "A spokesperson for {ORG} declined to comment on the {noun} .",
    "{PERSON} , who speaks {LANGUAGE} and {LANGUAGE_b} , was appointed {role} of {ORG} in {DATE} .",
    "The {noun} affects roughly {QUANTITY} of farmland near {LOC} .",
    "Police in {GPE} arrested {CARDINAL} people on {DATE} , {PERSON} confirmed .",
    "It was the {ORDINAL} time in {DATE} that {ORG} had {verb} a {noun} of this kind .",
    '"This {noun} is {adj} , but it is not enough," {say_said} {PERSON} , a {role} at {ORG} .',
    "Prices in {GPE} have risen {adverb} , and {topic} is now a concern for {PERCENT} of voters .",
    "The storm moved across {LOC} late on {DATE} , cutting power to {CARDINAL} homes .",
    "Both {PERSON} and {PERSON_b} have {verb} the {adj} {noun} , officials in {GPE} said .",
    "{ORG} reported a profit of {MONEY} for {DATE} , up from {MONEY_b} a year earlier .",
    "By {TIME} , more than {CARDINAL} passengers were stranded at {FAC} .",
    "Few expected the {noun} to survive , yet {ORG} {verb} it within {DATE} .",
    "Questions about {topic} dominated the session , which {PERSON} chaired .",
    "Negotiators from {GPE} and {GPE_b} met in {GPE_c} on {DATE} .",
    "The deadline , originally {DATE} , was pushed back to {DATE_b} .",
    "Meanwhile , the {NORP} minister {say} the {noun} had been {verb} in {DATE} .",
)
POST_SENTENCES = (
    "just landed in {GPE} {emoji}",
    "{feel} {ORG} really {verb} the {noun} again",
    "can't believe {PERSON} said that about {topic} lol",
    "anyone else watching {EVENT} tonight?",
    "my {PRODUCT} died AGAIN. thanks {ORG} {emoji}",
    "{PERSON} for {role} of {ORG}. that's it, that's the tweet",
    "{CARDINAL} hours at {FAC} and still no news about my flight {emoji}",
    "reading {WORK_OF_ART} on the train to {GPE}, highly recommend",
    "{feel} {topic} is getting out of hand in {GPE}",
    "new post: what {ORG} gets wrong about {topic} (link in bio)",
    "happy {DATE} everyone! {emoji}",
    "{PERSON} and {PERSON_b} at {FAC} on {DATE}, what a night",
    "prices in {GPE} are up {PERCENT} since {DATE}. make it make sense",
    "shoutout to the team at {ORG} for fixing my order in {CARDINAL} minutes",
    "so {ORG} just {verb} a {MONEY} {noun}?? ok then",
    "is it just me or is {topic} all anyone talks about since {DATE}",
    "{ORDINAL} day in {GPE} and I already love it {emoji}",
    "#{hashtag} {PERSON} was brilliant in {GPE} last {DATE}",
    "Thread: everything we learned from the {NORP} {noun} 🧵",
    "@{handle} did you see what {ORG} posted about {topic}?",
    "{feel} the {ORG} app keeps crashing on my {PRODUCT}",
    "meeting {PERSON} at {TIME} near {FAC}, wish me luck",
    "{CARDINAL} km run along {LOC} this morning. legs are gone",
    "watched the {ORG} press conference. {PERSON} dodged every question about {topic}",
)
HEADLINES = (
    "{ORG} {verb} {adj} {noun} as {topic} bites",
    "{PERSON} quits {ORG} after {noun} row",
    "{GPE} and {GPE_b} agree {noun} on {topic}",
    "{NORP} {noun} faces {adj} test in {GPE}",
    "{ORG} profits jump {PERCENT} despite {topic}",
    "Thousands protest in {GPE} over {topic}",
)


@dataclass(frozen=True, slots=True)
class GeneratedText:
    """A generated text and the entity spans its slots produced, as (start, end, label)."""

    text: str
    entities: tuple[tuple[int, int, str], ...]


def _slot_kind(slot: str) -> str:
    """The filler a slot uses: ``ORG_b`` is another ORG, ``WORK_OF_ART`` is itself, ``say_ing`` too."""
    if slot[0].isupper() and not slot.startswith("WORK"):
        return slot.split("_")[0]
    return slot


@cache
def _parsed(template: str, tidy: bool) -> tuple[tuple[str, str | None], ...]:
    """A template as (literal text, slot kind) pairs, tidied once."""
    parts: list[tuple[str, str | None]] = []
    position = 0
    for match in SLOT.finditer(template):
        literal = template[position : match.start()]
        parts.append((TIDY.sub(r"\1", literal) if tidy else literal, _slot_kind(match.group(1))))
        position = match.end()
    tail = template[position:]
    parts.append((TIDY.sub(r"\1", tail) if tidy else tail, None))
    return tuple(parts)


class _Writer:
    """Accumulates text pieces and the character ranges of entity fills."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.entities: list[tuple[int, int, str]] = []

    def add(self, piece: str, label: str | None = None) -> None:
        """Append a piece (marking it as an entity when ``label`` is given)."""
        if label:
            self.entities.append((self.length, self.length + len(piece), label))
        self.parts.append(piece)
        self.length += len(piece)

    def result(self) -> GeneratedText:
        """The text and entities written so far."""
        return GeneratedText("".join(self.parts), tuple(self.entities))


class Generator:
    """Fills templates deterministically from a seeded random source."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        r = self.rng
        self.orgs = [f"{h} {t}" for h in ORG_HEADS for t in ORG_TAILS]
        r.shuffle(self.orgs)
        self.orgs = self.orgs[:220] + list(INSTITUTIONS)
        self.fillers = self._fillers()

    # ------------------------------------------------------------ slot fillers

    def person(self) -> str:
        """A person's name in one of several forms."""
        r = self.rng
        form = r.random()
        if form < 0.55:
            return f"{r.choice(FIRST)} {r.choice(LAST)}"
        if form < 0.75:
            return f"{r.choice(TITLES)} {r.choice(LAST)}"
        if form < 0.9:
            return r.choice(LAST)
        return f"{r.choice(FIRST)} {r.choice('ABCDEFGHJKLMNPRSTW')}. {r.choice(LAST)}"

    def date(self) -> str:
        """A date or period, in one of several styles."""
        r = self.rng
        year = r.randint(1990, 2025)
        return r.choice(
            (
                f"{r.choice(MONTHS)} {r.randint(1, 28)}",
                f"{r.randint(1, 28)} {r.choice(MONTHS)} {year}",
                f"{r.choice(MONTHS)} {year}",
                str(year),
                r.choice(WEEKDAYS),
                f"the {r.choice(('first', 'second', 'third', 'last'))} quarter of {year}",
                f"the {year // 10 * 10}s",
                r.choice(("last year", "next month", "this week", "three years", "two decades")),
            )
        )

    def money(self) -> str:
        """An amount of money."""
        r = self.rng
        return r.choice(
            (
                f"${r.randint(2, 950)} million",
                f"£{r.randint(1, 90)}.{r.randint(1, 9)} billion",
                f"€{r.randint(10, 999):,}",
                f"{r.randint(2, 400)} million euros",
                f"${r.randint(1000, 99999):,}",
            )
        )

    def cardinal(self) -> str:
        """A count."""
        r = self.rng
        return r.choice(
            (
                str(r.randint(2, 99)),
                f"{r.randint(100, 99999):,}",
                r.choice(("two", "three", "dozens", "hundreds")),
            )
        )

    def _fillers(self) -> dict[str, Callable[[], str]]:
        """One function per entity label, producing text for that slot."""
        r = self.rng
        return {
            "PERSON": self.person,
            "ORG": lambda: r.choice(self.orgs),
            "GPE": lambda: r.choice(CITIES if r.random() < 0.6 else COUNTRIES),
            "NORP": lambda: r.choice(NATIONALITIES),
            "DATE": self.date,
            "MONEY": self.money,
            "CARDINAL": self.cardinal,
            "PERCENT": lambda: f"{r.randint(1, 60)}{r.choice(('', '.5', '.2'))}%",
            "ORDINAL": lambda: r.choice(("first", "second", "third", "fourth", "fifth", "10th", "21st")),
            "TIME": lambda: r.choice(
                (
                    f"{r.randint(1, 12)}:{r.randint(0, 59):02d} {r.choice(('am', 'pm'))}",
                    "midnight",
                    "dawn",
                    f"{r.randint(1, 11)} p.m.",
                )
            ),
            "FAC": lambda: r.choice(FACILITIES),
            "EVENT": lambda: r.choice(EVENTS),
            "PRODUCT": lambda: r.choice(PRODUCTS),
            "WORK_OF_ART": lambda: r.choice(WORKS),
            "LAW": lambda: r.choice(LAWS),
            "LANGUAGE": lambda: r.choice(LANGUAGES),
            "LOC": lambda: r.choice(PLACES),
            "QUANTITY": lambda: f"{r.randint(2, 900):,} {r.choice(('hectares', 'tonnes', 'acres', 'miles'))}",
            "say_ing": lambda: r.choice(("saying", "adding", "claiming", "arguing")),
            "say_said": lambda: r.choice(("said", "wrote", "added")),
            "hashtag": lambda: r.choice(TOPICS).title().replace(" ", ""),
            "handle": lambda: f"{r.choice(FIRST).lower()}_{r.randint(1, 999)}",
            **{kind: (lambda words=words: r.choice(words)) for kind, words in WORDS.items()},
        }

    def fill(self, slot: str) -> tuple[str, str | None]:
        """The text for one slot, and its entity label (None for plain words)."""
        kind = _slot_kind(slot)
        return self.fillers[kind](), (kind if kind[0].isupper() else None)

    # ------------------------------------------------------------ sentences and texts

    def sentence(self, template: str, out: _Writer, tidy: bool = True) -> None:
        """Fill one template into ``out`` (spaces before punctuation removed when ``tidy``)."""
        first = True
        for literal, kind in _parsed(template, tidy):
            if literal:
                if tidy and first and literal[:1].islower():
                    literal = literal[0].upper() + literal[1:]
                out.add(literal)
                first = False
            if kind:
                out.add(self.fillers[kind](), kind if kind[0].isupper() else None)
                first = False

    def post(self) -> GeneratedText:
        """A short social-media style post of one to four sentences."""
        r = self.rng
        out = _Writer()
        for index in range(r.choice((1, 1, 2, 2, 3, 4))):
            if index:
                ended = out.parts[-1][-1:] in ".!?"
                out.add(r.choice((" ", "\n", " ")) if ended else r.choice((". ", "! ", "\n", " - ")))
            self.sentence(r.choice(POST_SENTENCES), out, tidy=False)
        if r.random() < 0.3:
            out.add(f" #{r.choice(TOPICS).title().replace(' ', '')}")
        return out.result()

    def article(self, paragraphs: tuple[int, int] = (8, 22)) -> GeneratedText:
        """A news article: headline, dateline, paragraphs of sentences, quotes."""
        r = self.rng
        out = _Writer()
        self.sentence(r.choice(HEADLINES), out)
        out.add("\n\n")
        place, label = self.fill("GPE")
        out.add(place.removeprefix("the ").upper(), label)
        out.add(", ")
        out.add(f"{r.choice(MONTHS)} {r.randint(1, 28)}", "DATE")
        out.add(" (")
        out.add(r.choice(("Reuters", "AP", "AFP", "Bloomberg")), "ORG")
        out.add(") - ")
        for index in range(r.randint(*paragraphs)):
            if index:
                out.add("\n\n")
            self.paragraph(out)
        out.add("\n")
        return out.result()

    def paragraph(self, out: _Writer) -> None:
        """One paragraph of two to seven sentences."""
        r = self.rng
        for index in range(r.randint(2, 7)):
            if index:
                out.add(" ")
            self.sentence(r.choice(NEWS_SENTENCES), out)

    def long_document(self, words: int) -> GeneratedText:
        """One very long article of about ``words`` words (for the 100,000-word document)."""
        out = _Writer()
        count = 0
        while count < words:
            first_piece = len(out.parts)
            self.paragraph(out)
            count += len("".join(out.parts[first_piece:]).split())
            out.add("\n\n")
        return out.result()


def corpus(posts: int, articles: int, seed: int = 20240601) -> list[GeneratedText]:
    """``posts`` distinct short posts and ``articles`` distinct long articles, shuffled deterministically."""
    generator = Generator(seed)
    texts = _distinct(generator.post, posts) + _distinct(generator.article, articles)
    random.Random(seed + 1).shuffle(texts)
    return texts


def _distinct(make: Callable[[], GeneratedText], count: int) -> list[GeneratedText]:
    """``count`` texts from ``make`` with no text repeated."""
    seen: set[str] = set()
    made: list[GeneratedText] = []
    while len(made) < count:
        item = make()
        if item.text not in seen:
            seen.add(item.text)
            made.append(item)
    return made


def iter_posts(count: int, seed: int = 7) -> Iterator[GeneratedText]:
    """``count`` distinct short posts, lazily (for building large databases)."""
    generator = Generator(seed)
    seen: set[str] = set()
    while len(seen) < count:
        item = generator.post()
        if item.text not in seen:
            seen.add(item.text)
            yield item


def word_count(texts: list[str]) -> int:
    """Words as whitespace-separated runs (the unit of every words/s figure)."""
    return sum(len(text.split()) for text in texts)


def write_jsonl(texts: list[str], path: Path) -> None:
    """Write plain ``{"text": ...}`` JSONL, spandesk's and Prodigy's input shape."""
    with path.open("w", encoding="utf-8") as handle:
        for text in texts:
            handle.write(json.dumps({"text": text}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    sample = corpus(6, 2)
    for item in sample:
        print(item.text[:600], "\n---", [item.text[s:e] + "/" + label for s, e, label in item.entities][:12])
        print("=" * 60)
