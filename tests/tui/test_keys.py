"""Pilot tests of the keys: the action registry and keymap, dialog focus and Enter, the roster staying
open, Escape in the note editor and the search box, search results opening notes, prep progress and
cancel, a client without notes, and the lists following a stored note at once."""

from __future__ import annotations

import threading
from datetime import date

from textual.widgets import Input, ListView, Markdown, OptionList, Static, TextArea

from reflect.core.noteinput import NoteInput
from reflect.core.phrases import SimplePhrases
from reflect.tui import actions
from reflect.tui.app import ReflectApp
from tests.tui.test_app import _setup


def _plain(widget) -> str:
    return str(widget.render())


def test_bindings_help_and_palette_come_from_one_registry() -> None:
    from reflect.tui.screens.help import help_markdown

    ids = [b.id for b in ReflectApp.BINDINGS]
    assert ids == [a.name for a in actions.ACTIONS]
    table = help_markdown()
    for a in actions.ACTIONS:
        assert a.description in table
    assert "`/`" in table and "`?`" in table
    assert [t for t, _h, _a in actions.palette_commands()] == [a.palette for a in actions.ACTIONS if a.palette]


async def test_a_keymap_rebinds_keys_and_help_and_palette_follow(fake_practice) -> None:
    _setup(fake_practice)
    app = ReflectApp(fake_practice, keymap={"search": "s", "themes": "ctrl+t"})
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("slash")  # the default key no longer searches
        await pilot.pause()
        assert not app.workspace.query_one("#query", Input).has_focus
        await pilot.press("s")
        await pilot.pause()
        assert app.workspace.query_one("#query", Input).has_focus
        titles = {t: h for t, h, _a in actions.palette_commands(app.keymap)}
        assert titles["search: notes"].endswith("[s]")
        app.workspace.query_one("#notes").focus()
        await pilot.press("question_mark")
        await pilot.pause()
        shown = app.screen.query_one(Markdown).source
        assert "`s`" in shown and "`ctrl+t`" in shown and "`/`" not in shown


def test_an_unknown_action_in_the_keymap_is_refused(fake_practice) -> None:
    import pytest

    from reflect.core.errors import InputError

    with pytest.raises(InputError, match="nonsense"):  # a ReflectError: the CLI prints one line
        ReflectApp(fake_practice, keymap={"nonsense": "x"})


def _keyed_practice(data, keymap_toml: str):
    """A practice on fakes opened as ``run_app`` opens it: settings loaded from its config.toml."""
    from reflect.core.components import Components
    from reflect.core.embedding import HashEmbedder
    from reflect.core.index import MemoryIndex
    from reflect.core.llm import FakeLLM
    from reflect.core.opener import data_paths, open_practice
    from reflect.core.redaction.fake import FakeDetector
    from reflect.settings import Settings
    from tests.conftest import FAST_KDF

    config = data_paths(data).config
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(keymap_toml, encoding="utf-8")
    indexes: dict = {}
    components = Components(phrases=SimplePhrases(), detector=FakeDetector(), embedder=HashEmbedder(), llm=FakeLLM(),
                            index_factory=lambda path: indexes.setdefault(str(path), MemoryIndex()))
    return open_practice(data, settings=Settings.load(config), kdf=FAST_KDF, components=components)


async def test_the_keymap_of_config_toml_reaches_the_app(tmp_path) -> None:
    from reflect.tui.app import app_for

    with _keyed_practice(tmp_path / "keyed", '[keymap]\nsearch = "s"\nthemes = "ctrl+t"\n') as practice:
        assert practice.settings.keymap == {"search": "s", "themes": "ctrl+t"}
        _setup(practice)
        assert app_for(practice, keymap={"search": "x"}).keymap == {"search": "x"}  # an explicit keymap wins
        app = app_for(practice)
        assert app.keymap == {"search": "s", "themes": "ctrl+t"}
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await pilot.press("slash")  # the default key no longer searches
            await pilot.pause()
            assert not app.workspace.query_one("#query", Input).has_focus
            await pilot.press("s")
            await pilot.pause()
            assert app.workspace.query_one("#query", Input).has_focus


def test_run_app_refuses_an_unknown_action_in_config_toml_before_unlocking(tmp_path) -> None:
    import pytest

    from reflect.core.errors import InputError
    from reflect.core.opener import data_paths
    from reflect.tui.app import run_app

    data = tmp_path / "bad-keymap"
    config = data_paths(data).config
    config.parent.mkdir(parents=True)
    config.write_text('[keymap]\nnonsense = "x"\n', encoding="utf-8")

    def never_asked(*args, **kwargs):
        raise AssertionError("the passphrase was asked for")

    with pytest.raises(InputError, match="unknown action.*nonsense"):
        run_app(data_dir=data, passphrase=never_asked)
    assert not data_paths(data).db.exists()  # nothing was opened or created


async def test_focus_lands_on_the_first_field_of_every_dialog(fake_practice) -> None:
    _setup(fake_practice)
    app = ReflectApp(fake_practice)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        for key, first in (("a", "name"), ("n", "text"), ("o", "name"), ("f", "keep")):
            await pilot.press(key)
            await pilot.pause()
            assert app.focused is not None and app.focused.id == first, (key, app.focused)
            app.screen.dismiss(None)
            await pilot.pause()


async def test_roster_dialog_stays_open_and_shows_the_new_person(fake_practice) -> None:
    from textual.widgets import DataTable

    _setup(fake_practice)
    app = ReflectApp(fake_practice)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        dialog = app.screen
        await pilot.press(*"Ana Ruiz")
        await pilot.press("enter")  # Enter submits
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is dialog  # still open for the next person
        table = dialog.query_one("#people", DataTable)
        names = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert "Ana Ruiz" in names and names[table.cursor_row] == "Ana Ruiz"
        assert dialog.query_one("#name", Input).value == "" and dialog.query_one("#name", Input).has_focus
        assert "Ana Ruiz" in [p.name for p in fake_practice.roster.people(app.client)]


async def test_escape_asks_before_discarding_a_note_with_text(fake_practice) -> None:
    _setup(fake_practice)
    app = ReflectApp(fake_practice)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        editor = app.screen
        await pilot.press("escape")  # empty: closes at once
        await pilot.pause()
        assert app.screen is app.workspace
        await pilot.press("n")
        await pilot.pause()
        editor = app.screen
        await pilot.press(*"Half a thought")
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is not editor and app.focused.id == "no"  # asks, "keep writing" focused
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is editor and editor.query_one("#text", TextArea).text == "Half a thought"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.click("#yes")
        await pilot.pause()
        assert app.screen is app.workspace
        assert len(fake_practice.notes.list(app.client)) == 2


async def test_escape_leaves_the_search_box_and_enter_opens_the_passage(fake_practice) -> None:
    _setup(fake_practice)
    app = ReflectApp(fake_practice)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("slash")
        await pilot.pause()
        query = app.workspace.query_one("#query", Input)
        assert query.has_focus
        await pilot.press("escape")
        await pilot.pause()
        assert not query.has_focus
        query.focus()
        await pilot.press(*"delegated the deck", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        results = app.workspace.query_one("#results", OptionList)
        assert results.has_focus and results.option_count >= 1
        await pilot.press("enter")
        await pilot.pause()
        assert app.workspace.query_one("#tabs").active == "notes-tab"
        assert app.note_id == 2
        mode = _plain(app.workspace.query_one("#note-mode", Static))
        assert "Found by search" in mode and "Maria delegated the deck" in mode  # the passage as written, so it is found in the note
        assert "Maria delegated the deck" in _plain(app.workspace.query_one("#note-text", Static))


async def test_prep_shows_a_progress_line_not_raw_output_and_cancel_stays(fake_practice) -> None:
    _setup(fake_practice)
    release, started = threading.Event(), threading.Event()

    def slow_generate(*args, on_text=None, cancelled=None, **kwargs):
        from reflect.core.llm import Generation

        for piece in ['{"questions": [', '{"question": "[CLIENT]', ' <b>x</b>"']:
            on_text and on_text(piece)
        started.set()
        while not (cancelled and cancelled()):
            if release.wait(0.05):
                break
        on_text and on_text('late piece {"x": 1}')  # a stream line after Escape must not overwrite "cancelled"
        return Generation('{"questions": []}', 3, 0.1, "cancelled")

    fake_practice.components.llm.generate = slow_generate
    app = ReflectApp(fake_practice)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("p")
        for _ in range(50):
            if started.is_set():
                break
            await pilot.pause(0.05)
        await pilot.pause(0.1)
        line = _plain(app.workspace.query_one("#stream", Static))
        assert "writing" in line and "tokens" in line, line
        assert "{" not in line and "[CLIENT]" not in line and "<b>" not in line
        await pilot.press("escape")
        await pilot.pause()
        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause(0.1)
        assert _plain(app.workspace.query_one("#stream", Static)) == "Prep cancelled."


async def test_a_client_without_notes_gets_a_plain_sentence(fake_practice) -> None:
    fake_practice.roster.add_client("Kenji Watanabe")
    app = ReflectApp(fake_practice)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        sentence = "No notes for Kenji Watanabe yet: press n to write the first one."
        assert sentence in " ".join(_plain(app.workspace.query_one("#note-text", Static)).split())
        for key, where in (("t", "#themes"), ("p", "#brief")):
            await pilot.press(key)
            await app.workers.wait_for_complete()
            await pilot.pause()
            widget = app.workspace.query_one(where)
            text = widget.source if isinstance(widget, Markdown) else _plain(widget)
            assert sentence in " ".join(text.split()), key
            assert "Loading" not in _plain(app.workspace.query_one("#stream", Static))
        assert fake_practice.components.llm.prompts == []


async def test_lists_follow_an_added_edited_and_redated_note_at_once(fake_practice) -> None:
    from reflect.tui.panes.clients import ClientItem

    c = _setup(fake_practice)
    app = ReflectApp(fake_practice)

    def client_row() -> str:
        item = app.workspace.query_one("#clients", ListView).children[0]
        assert isinstance(item, ClientItem)
        return str(item.label.render())

    def note_rows() -> list[str]:
        return [str(item.query_one("Label").render()) for item in app.workspace.query_one("#notes", ListView).children]

    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "2 notes" in client_row() and "0 open" in client_row()
        app.workspace.notes.add_note(c, date(2026, 2, 2), "Maria will send the deck to Tom Becker by Friday.")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "3 notes" in client_row() and "last 2026-02-02" in client_row() and "1 open" in client_row()
        assert note_rows()[-1] == "#3 · 2026-02-02" and app.note_id == 3
        app.workspace.notes.edit_note(c, 3, date(2026, 2, 2), "Maria talked about the deck.")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "0 open" in client_row()
        app.workspace.notes.edit_note(c, 1, date(2026, 3, 1), fake_practice.notes.get(c, 1).original)  # date only
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert fake_practice.notes.get(c, 1).date == date(2026, 3, 1)
        assert "#3 · 2026-03-01" in note_rows() and "last 2026-03-01" in client_row()


async def test_an_unexpected_worker_failure_in_a_pane_is_reported_by_type_only(fake_practice) -> None:
    """Textual's worker state messages do not bubble: each pane turns a crash into one notification."""
    _setup(fake_practice)

    def crash(client, since=None):
        raise RuntimeError("Quorvex said something private")

    fake_practice.insight.themes = crash
    app = ReflectApp(fake_practice)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        shown = [str(n.message) for n in app._notifications]
        assert any("RuntimeError" in m for m in shown), shown
        assert not any("Quorvex" in m for m in shown)
        assert app.is_running


async def _settle(app, pilot) -> None:
    for _ in range(2):
        await app.workers.wait_for_complete()
        await pilot.pause()


def _rendered(renderable) -> str:
    import io

    from rich.console import Console

    console = Console(width=300, file=io.StringIO(), record=True)
    console.print(renderable)
    return console.export_text()


def _options(screen) -> list[str]:
    items = screen.query_one("#items", OptionList)
    return [str(items.get_option_at_index(i).prompt) for i in range(items.option_count)]


async def test_commitments_dialog_marks_reopens_adds_and_rewords(fake_practice) -> None:
    from reflect.tui.screens.commitments import CommitmentsScreen

    c = _setup(fake_practice)
    fake_practice.notes.add(c, [NoteInput(date(2026, 1, 15), "Maria will send the deck to Tom Becker by Friday.", "t")])
    app = ReflectApp(fake_practice)
    async with app.run_test(size=(100, 30)) as pilot:
        await _settle(app, pilot)
        await pilot.press("c")
        await _settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, CommitmentsScreen) and app.focused is not None and app.focused.id == "items"
        [line] = _options(dialog)
        assert "Maria Gonzalez will send the deck to Tom Becker" in line and "(inferred)" in line  # names on screen only
        [item] = fake_practice.commitments.list(c)
        await pilot.press("d")
        await _settle(app, pilot)
        [item] = fake_practice.commitments.list(c)
        assert (item.status, item.source) == ("done", "coach") and "(you)" in _options(dialog)[0]
        await pilot.press("i")  # back to inference
        await _settle(app, pilot)
        assert fake_practice.commitments.list(c)[0].source == "inferred"
        await pilot.press("a")
        await pilot.pause()
        assert app.focused is not None and app.focused.id == "entry-text"
        await pilot.press(*"Maria will call Tom Becker", "enter")
        await _settle(app, pilot)
        assert app.screen is dialog
        texts = [x.text for x in fake_practice.commitments.list(c)]
        assert "[CLIENT] will call [PERSON_1]" in texts and not any("Tom" in t for t in texts)  # redacted before it was stored
        assert any("Maria Gonzalez will call Tom Becker" in line and "(you)" in line for line in _options(dialog))
        await pilot.press("e")
        await pilot.pause()
        entry = app.screen.query_one("#entry-text", Input)
        assert entry.value == "Maria Gonzalez will send the deck to Tom Becker by Friday."  # reworded as the coach reads it
        entry.value = "Maria sends Tom Becker the deck"
        await pilot.press("enter")
        await _settle(app, pilot)
        assert "[CLIENT] sends [PERSON_1] the deck" in [x.text for x in fake_practice.commitments.list(c)]
        await pilot.press("escape")
        await _settle(app, pilot)
        assert app.screen is app.workspace


async def test_goals_dialog_adds_marks_shows_progress_and_deletes(fake_practice) -> None:
    from reflect.tui.screens.goals import GoalsScreen

    c = _setup(fake_practice)
    app = ReflectApp(fake_practice)
    async with app.run_test(size=(100, 30)) as pilot:
        await _settle(app, pilot)
        await pilot.press("g")
        await _settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, GoalsScreen) and _options(dialog) == []
        assert "No goals yet" in _plain(dialog.query_one("#listing-header", Static))
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*"Maria delegates the deck so Tom Becker trusts the team", "enter")
        await _settle(app, pilot)
        [goal] = fake_practice.goals.list(c)
        assert goal.text == "[CLIENT] delegates the deck so [PERSON_1] trusts the team"  # redacted before it was stored
        [line] = _options(dialog)
        assert "Maria Gonzalez delegates the deck so Tom Becker" in line and "○ open" in line
        details = _rendered(dialog.details[0])
        assert "talked about in" in details and "Tom Becker" in details
        await pilot.press("d")
        await _settle(app, pilot)
        assert fake_practice.goals.list(c)[0].status == "achieved" and "✓ achieved" in _options(dialog)[0]
        await pilot.press("delete")
        await pilot.pause()
        await pilot.click("#yes")
        await _settle(app, pilot)
        assert fake_practice.goals.list(c) == [] and _options(dialog) == []
        await pilot.press("escape")
        await _settle(app, pilot)
        assert app.screen is app.workspace


async def test_a_goal_the_core_refuses_is_a_notification_and_nothing_is_stored(fake_practice) -> None:
    c = _setup(fake_practice)
    app = ReflectApp(fake_practice)
    async with app.run_test(size=(100, 30)) as pilot:
        await _settle(app, pilot)
        await pilot.press("g")
        await _settle(app, pilot)
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*"x" * 3, "enter")  # long enough for the dialog, then make the core refuse it
        await _settle(app, pilot)
        assert [g.text for g in fake_practice.goals.list(c)] == ["xxx"]
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#entry-text", Input).value = "y" * 600
        await pilot.press("enter")
        await _settle(app, pilot)
        assert [g.text for g in fake_practice.goals.list(c)] == ["xxx"]
        assert any("at most 500" in str(n.message) for n in app._notifications)
