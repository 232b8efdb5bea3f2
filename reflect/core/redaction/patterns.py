"""The pattern recognizers reflect adds to Presidio, for what stock Presidio lacks or gets wrong.

Owns the regular expressions and their Presidio ``PatternRecognizer``s: postcodes (UK, US ZIP in
context, state or province with its code, a code before a town), street addresses (numbered, foreign
street forms, after a cue such as "lives at"), ages, personal dates (a birthday, an appointment),
UK National Insurance numbers, labelled reference numbers and letter-digit codes, phone-shaped numbers,
long digit runs, links with a scheme or "www.", obfuscated e-mail, and a URL recognizer whose host part
runs in linear time. Presidio is imported only when the recognizers are built.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from presidio_analyzer import PatternRecognizer
    from presidio_analyzer.predefined_recognizers import UrlRecognizer

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


def _pattern_recognizers() -> list[PatternRecognizer]:
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
                Pattern(
                    "number + prefix street",
                    rf"\b\d{{1,4}}(?:\s?(?i:bis|ter))?,?\s+(?i:{STREET_PREFIXES}|avenue|boulevard|bd|allée|chemin|quai|impasse|place|rua|largo)"
                    rf"\b\.?(?:\s+[\w'’-]+){{1,5}}",
                    0.6,
                ),
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


def _bounded_url_recognizer() -> UrlRecognizer | None:
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
