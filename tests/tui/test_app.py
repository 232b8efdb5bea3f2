"""Pilot tests of the terminal app on fakes: pick a client, toggle original/redacted, prep."""

from __future__ import annotations

import json
from datetime import date

from textual.widgets import Markdown, Static

from reflect.core.noteinput import NoteInput
from reflect.tui.app import ReflectApp


def _setup(p):
    c = p.roster.add_client("Maria Gonzalez")
    p.roster.add_person(c, "Tom Becker")
    p.notes.add(c, [NoteInput(date(2026, 1, 1), "Maria wants to delegate. Tom Becker disagrees.", "t"),
                    NoteInput(date(2026, 1, 8), "Maria delegated the deck to the team.", "t")])
    p.components.llm.outputs.append(json.dumps({"questions": [{"question": "What did delegating the deck teach [CLIENT]?", "passage": 1}]}))
    return c


async def test_note_viewer_toggles_between_original_and_redacted(fake_practice) -> None:
    _setup(fake_practice)
    app = ReflectApp(fake_practice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.client is not None and app.client.name == "Maria Gonzalez"
        app.query_one("#notes").focus()
        await pilot.press("down")
        await pilot.pause()
        text = str(app.query_one("#note-text", Static).render())
        assert "Tom Becker" in text
        await pilot.press("r")
        await pilot.pause()
        text = str(app.query_one("#note-text", Static).render())
        assert "Tom" not in text and "[PERSON_1]" in text


async def test_prep_runs_in_a_worker_and_shows_names_only_on_screen(fake_practice) -> None:
    _setup(fake_practice)
    app = ReflectApp(fake_practice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("p")
        await app.workers.wait_for_complete()
        await pilot.pause()
        brief = app.query_one("#brief", Markdown)
        source = brief.source
        assert "Prep brief: Maria Gonzalez" in source
        assert "What did delegating the deck teach Maria Gonzalez?" in source
        assert "Maria" not in json.dumps(fake_practice.components.llm.prompts)


async def test_add_client_through_the_dialog(fake_practice) -> None:
    app = ReflectApp(fake_practice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("a")
        await pilot.pause()
        await pilot.click("#name")
        await pilot.press(*"Kenji Watanabe")
        await pilot.press("enter")
        await pilot.pause()
        assert [c.client.name for c in fake_practice.roster.clients()] == ["Kenji Watanabe"]
        assert app.client is not None and app.client.name == "Kenji Watanabe"


async def test_add_note_shows_the_redaction_preview_then_stores(fake_practice) -> None:
    _setup(fake_practice)
    app = ReflectApp(fake_practice)
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"Tom Becker said Maria did well.")
        await pilot.pause(0.6)
        await app.workers.wait_for_complete()
        await pilot.pause()
        preview = str(app.screen.query_one("#preview", Static).render())
        assert "Tom" not in preview and "[PERSON_1]" in preview and "[CLIENT]" in preview
        assert len(fake_practice.notes.list(app.client)) == 2  # nothing stored by the preview
        await pilot.press("ctrl+s")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(fake_practice.notes.list(app.client)) == 3


async def test_prep_can_be_cancelled_with_escape(fake_practice) -> None:
    import threading

    _setup(fake_practice)
    release = threading.Event()
    started = threading.Event()

    def slow_generate(*args, cancelled=None, **kwargs):
        from reflect.core.llm import Generation

        started.set()
        while not (cancelled and cancelled()):
            if release.wait(0.05):
                break
        return Generation('{"questions": []}', 1, 0.1, "cancelled")

    fake_practice.components.llm.generate = slow_generate
    app = ReflectApp(fake_practice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("p")
        for _ in range(50):
            if started.is_set():
                break
            await pilot.pause(0.05)
        await pilot.press("escape")
        await pilot.pause()
        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "cancelled" in str(app.query_one("#stream", Static).render()).lower()
        assert "Prep brief" not in app.query_one("#brief", Markdown).source


async def test_search_shows_passages_with_names_on_screen_only(fake_practice) -> None:
    _setup(fake_practice)
    app = ReflectApp(fake_practice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("slash")
        await pilot.press(*"delegated deck")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        from textual.widgets import OptionList

        results = app.query_one("#results", OptionList)
        shown = " ".join(str(results.get_option_at_index(i).prompt) for i in range(results.option_count))
        # The passage as the coach wrote it: the name comes back in the form written there, never a placeholder.
        assert "Maria delegated the deck" in shown and "Tom Becker disagrees" in shown and "[CLIENT]" not in shown


async def test_forget_asks_first_and_then_erases(fake_practice) -> None:
    _setup(fake_practice)
    app = ReflectApp(fake_practice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("f")
        await pilot.pause()
        await pilot.click("#keep")
        await pilot.pause()
        assert len(fake_practice.roster.clients()) == 1
        await pilot.press("f")
        await pilot.pause()
        await pilot.click("#erase")
        await pilot.pause()
        assert fake_practice.roster.clients() == []


async def test_edit_note_updates_text_and_what_the_model_sees(fake_practice) -> None:
    _setup(fake_practice)
    app = ReflectApp(fake_practice)
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.pause()
        await pilot.press("enter")  # open the client: first note selected
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        area = app.screen.query_one("#text")
        area.text = "Maria met Tom Becker about burnout."
        await pilot.press("ctrl+s")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        note = fake_practice.notes.get(app.client, app.note_id)
        assert note.original == "Maria met Tom Becker about burnout."
        assert note.redacted == "[CLIENT] met [PERSON_1] about burnout."


def _text(widget) -> str:
    from rich.console import Console

    console = Console(width=200, record=True, file=open("/dev/null", "w"))
    console.print(widget.content)
    return console.export_text()


async def test_themes_panel_shows_evidence_of_the_selected_theme_and_clients_show_open_commitments(fake_practice) -> None:
    from textual.widgets import OptionList

    from reflect.core.domain import Evidence, Theme

    _setup(fake_practice)
    themes = [
        Theme("Delegation", "", [Evidence(1, "2026-01-01", ""), Evidence(2, "2026-01-08", "")], [0.5, 0.6],
              [Evidence(1, "2026-01-01", "[CLIENT] wants to delegate.")], "steady"),
        Theme("Conflict", "", [Evidence(1, "2026-01-01", ""), Evidence(2, "2026-01-08", "")], [0.4, 0.4],
              [Evidence(1, "2026-01-01", "[PERSON_1] disagrees.")], "new"),
    ]
    fake_practice.insight.themes = lambda client, since=None: themes
    fake_practice.commitments.list = lambda client, horizon=4: []
    app = ReflectApp(fake_practice)
    async with app.run_test(size=(140, 45)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "0 open" in str(app.query_one("#clients").children[0].label.render())
        await pilot.press("t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "“Maria wants to delegate.”" in _text(app.query_one("#theme-evidence", Static))  # quoted as written in the note
        app.query_one("#theme-list", OptionList).highlighted = 1
        await pilot.pause()
        assert "Tom Becker disagrees" in _text(app.query_one("#theme-evidence", Static))


async def test_a_theme_label_with_brackets_is_shown_as_written(fake_practice) -> None:
    """An emergent theme's label is made of note words: "[x] deck [/]" must show as written."""
    from textual.widgets import OptionList

    from reflect.core.domain import Evidence, Theme

    _setup(fake_practice)
    label = "[x] deck [/] launch"
    theme = Theme(label, "", [Evidence(1, "2026-01-01", ""), Evidence(2, "2026-01-08", "")], [0.5, 0.6],
                  [Evidence(1, "2026-01-01", "[CLIENT] wants to delegate.")], "steady")
    fake_practice.insight.themes = lambda client, since=None: [theme]
    app = ReflectApp(fake_practice)
    async with app.run_test(size=(140, 45)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        options = app.query_one("#theme-list", OptionList)
        shown = options._get_visual(options.get_option_at_index(0))  # what the list draws
        assert options.option_count == 1 and str(shown).strip() == label


async def test_a_crash_prints_the_error_type_not_a_traceback_with_note_text(fake_practice, monkeypatch, capsys) -> None:
    """Textual's crash report shows local variables; here they would hold note text and names."""
    import pytest

    monkeypatch.delenv("REFLECT_DEBUG", raising=False)
    _setup(fake_practice)
    app = ReflectApp(fake_practice)

    def crash(*args) -> None:
        secret_note = "Quorvexcanary told me about Zeb Quorvex"  # noqa: F841 - a local Textual would print
        raise RuntimeError("boom")

    from reflect.tui.screens.workspace import WorkspaceScreen

    monkeypatch.setattr(WorkspaceScreen, "action_toggle_redacted", crash)
    with pytest.raises(RuntimeError):
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            await pilot.press("r")
            await pilot.pause()
    captured = capsys.readouterr()
    report = captured.out + captured.err
    assert "RuntimeError" in report and "REFLECT_DEBUG" in report
    assert "Quorvex" not in report and "Maria" not in report and "Tom" not in report


async def test_roster_view_shows_learned_names_with_their_origin_and_markup_stays_text(fake_practice) -> None:
    """The roster dialog lists the roster and what the map learned from notes (issue: learned names
    must be visible to the coach), and a name with brackets shows verbatim."""
    from textual.widgets import DataTable

    p = fake_practice
    c = p.roster.add_client("Maria Gonzalez")
    p.roster.add_person(c, "Tom [x] Becker", role="boss")
    p.notes.add(c, [NoteInput(date(2026, 1, 1), "Maria met Raj Patel about the budget.", "t")])
    app = ReflectApp(p)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        table = app.screen.query_one("#people", DataTable)
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
        by_name = {r[0]: r for r in rows}
        assert by_name["Maria Gonzalez"][2] == "roster" and by_name["Maria Gonzalez"][1] == "[CLIENT]"
        assert by_name["Tom [x] Becker"][2] == "roster (boss)"
        assert by_name["Raj Patel"][2] == "learned from notes" and by_name["Raj Patel"][1] == "[PERSON_2]"


async def test_no_palette_command_writes_a_file_outside_the_data_directory(fake_practice, tmp_path, monkeypatch) -> None:
    """Textual's built-in "Screenshot" wrote an SVG of the screen (names, note text) to ~/Downloads."""
    home = tmp_path / "home"
    (home / "Downloads").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)
    _setup(fake_practice)
    app = ReflectApp(fake_practice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Screenshot" not in titles and "client: add" in titles
        app.action_screenshot()
        app.deliver_screenshot()
        await pilot.pause(0.3)
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p.suffix == ".svg"]
    assert written == []


async def test_bracketed_text_is_shown_verbatim_and_never_crashes_the_app(fake_practice) -> None:
    """A note with "[/]" crashed the app and "[x]"/"[sic]" vanished; names are data too."""
    from textual.widgets import ListView

    p = fake_practice
    c = p.roster.add_client("Maria [x] Gonzalez")
    text = "- [x] deck sent [sic]; [bold] claims [/] and [@click=app.quit] or [link=https://example.org] here."
    p.notes.add(c, [NoteInput(date(2026, 1, 1), text, "t"), NoteInput(date(2026, 1, 8), "Board deck again [sic].", "t")])
    p.components.llm.outputs.append(json.dumps({"questions": [{"question": "What did the [x] deck [/] change for [CLIENT]?", "passage": 1}]}))
    app = ReflectApp(p)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        clients = app.query_one("#clients", ListView)
        assert "Maria [x] Gonzalez" in str(clients.children[0].query_one(Static).render())
        app.query_one("#notes").focus()
        await pilot.press("down")
        await pilot.pause()
        shown = str(app.query_one("#note-text", Static).render())
        for token in ("[x]", "[sic]", "[bold]", "[/]", "[@click=app.quit]", "[link=https://example.org]"):
            assert token in " ".join(shown.split()), token
        await pilot.press("p")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running  # "[@click=app.quit]" did not quit the app
        brief = app.query_one("#brief", Markdown).source
        assert "Maria \\[x\\] Gonzalez" in brief and "again \\[sic\\]" in brief  # escaped Markdown: shown as written


async def test_destructive_actions_act_only_on_the_client_the_coach_sees_selected(fake_practice) -> None:
    """After a note was saved, two clients looked selected and "f" offered to forget another one than
    the coach saw current. After every action exactly one client is selected, it is the current one,
    and the confirmation names it in full with a warning that is not cut off (100 columns)."""
    from textual.widgets import Label, ListView

    p = fake_practice
    a = p.roster.add_client("Amelia Hartley-Fortescue Montgomery")
    b = p.roster.add_client("Bruno Zielinski")
    p.notes.add(a, [NoteInput(date(2026, 1, 1), "Amelia wants to delegate.", "t")])
    app = ReflectApp(p)

    def selected() -> list[str]:
        clients = app.query_one("#clients", ListView)
        return [item.client.name for item in clients.children if item.highlighted]

    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        clients = app.query_one("#clients", ListView)
        clients.focus()
        await pilot.press("down")
        await pilot.pause()
        assert selected() == [b.name] and app.client.id == b.id
        app.workspace.notes.add_note(b, date(2026, 1, 9), "Bruno met the board.")  # what saving a note does
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()
        assert selected() == [b.name] and app.client.id == b.id
        await pilot.press("a")
        await pilot.pause()
        app.screen.query_one("#name").value = "Carla Nuñez"
        await pilot.click("#add")
        await pilot.pause()
        await pilot.pause()
        assert selected() == ["Carla Nuñez"] and app.client.name == "Carla Nuñez"
        clients.focus()
        await pilot.press("up", "up")
        await pilot.pause()
        assert selected() == [a.name] and app.client.id == a.id
        await pilot.press("f")
        await pilot.pause()
        name = app.screen.query_one("#forget-name", Label)
        warning = app.screen.query_one("#forget-warning", Label)
        assert f"Forget {a.name}?" in str(name.render())
        assert "cannot be undone" in str(warning.render())
        assert warning.size.height >= 2 and warning.region.right <= app.screen.size.width  # wrapped, not clipped
        await pilot.click("#erase")
        await pilot.pause()
        await pilot.pause()
        assert [c.client.name for c in p.roster.clients()] == ["Bruno Zielinski", "Carla Nuñez"]
        assert len(selected()) == 1 and app.client is not None and selected() == [app.client.name]
