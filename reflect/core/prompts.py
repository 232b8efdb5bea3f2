"""Coach-editable text assets: prompt templates, the theme taxonomy and the question bank.

Each file is looked up first in the coach's own prompts folder (``<data dir>/prompts`` or the
``prompts_dir`` setting), then in the folder shipped with reflect (``prompts/`` at the repository top,
``reflect/_assets/prompts`` in an installed wheel). A malformed file is one clear ``InputError``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

from reflect.core.errors import InputError
from reflect.paths import asset_dir


@dataclass(frozen=True)
class PromptTemplate:
    name: str
    version: int
    system: str
    user: str

    def messages(self, **values: object) -> list[dict[str, str]]:
        return [
            {"role": "system", "content": self.system.strip()},
            {"role": "user", "content": Template(self.user).safe_substitute(**{k: str(v) for k, v in values.items()}).strip()},
        ]


@dataclass(frozen=True)
class TaxonomyTheme:
    label: str
    description: str
    examples: tuple[str, ...] = ()
    """Sentences written the way a coach notes the theme: matched like the description's phrases."""


@dataclass(frozen=True)
class BankQuestion:
    stage: str
    text: str
    theme: str | None = None


class PromptLibrary:
    """Finds and parses the text assets, the coach's own first."""

    def __init__(self, user_dir: Path | None = None):
        self.user_dir = user_dir
        self.shipped = asset_dir("prompts")

    def path(self, filename: str) -> Path:
        if self.user_dir is not None and (self.user_dir / filename).is_file():
            return self.user_dir / filename
        return self.shipped / filename

    def _toml(self, filename: str) -> dict[str, Any]:
        path = self.path(filename)
        try:
            return tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"prompt file {path} is missing") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"prompt file {path} is not valid TOML: {exc}") from None

    def template(self, name: str) -> PromptTemplate:
        data = self._toml(f"{name}.toml")
        try:
            return PromptTemplate(name, int(data.get("version", 1)), str(data["system"]), str(data["user"]))
        except KeyError as exc:
            raise InputError(f"prompt file {self.path(name + '.toml')} lacks the {exc} part") from None

    def taxonomy(self) -> list[TaxonomyTheme]:
        data = self._toml("themes.toml")
        try:
            return [TaxonomyTheme(t["label"], t["description"], tuple(str(x) for x in t.get("examples", []))) for t in data["theme"]]
        except KeyError as exc:
            raise InputError(f"themes file {self.path('themes.toml')}: every theme needs {exc}") from None

    def question_bank(self) -> list[BankQuestion]:
        data = self._toml("question_bank.toml")
        try:
            return [BankQuestion(q["stage"], q["text"], q.get("theme")) for q in data["question"]]
        except KeyError as exc:
            raise InputError(f"question bank {self.path('question_bank.toml')}: every question needs {exc}") from None
