"""The prep pane: prepares the next session with the local model in a thread worker.

While the model writes, one readable progress line is shown (never its raw JSON); Escape cancels, and
"Prep cancelled." stays: stream messages of a cancelled run are ignored (each run has its own number)."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Markdown, Static
from textual.worker import get_current_worker

from reflect.core.domain import Client
from reflect.core.errors import ReflectError
from reflect.tui.context import practice_of
from reflect.tui.messages import PrepFinished, PrepStreamed, ReportsWorkerErrors, WorkFailed

PROMPT = "Press **p** to prepare the next session."


class PrepPane(ReportsWorkerErrors, VerticalScroll):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._run = 0
        self._tokens = 0
        self._live = False

    def compose(self) -> ComposeResult:
        yield Static("", id="stream")
        yield Markdown(PROMPT, id="brief")

    def reset(self, message: str = PROMPT) -> None:
        self.cancel(quiet=True)
        self.query_one("#stream", Static).update("")
        self.query_one("#brief", Markdown).update(message)

    def start(self, client: Client) -> None:
        self.workers.cancel_group(self, "prep")
        self._run += 1
        self._tokens = 0
        self._live = True
        self.query_one("#stream", Static).update(Text("Loading models and preparing… (Escape cancels)", "dim"))
        self.query_one("#brief", Markdown).update("")
        self._prepare(client, self._run)

    def cancel(self, quiet: bool = False) -> bool:
        """Stop a running prep; True if one was running."""
        running = self._live
        self._live = False
        self._run += 1  # late messages of the cancelled run are ignored
        self.workers.cancel_group(self, "prep")
        if running and not quiet:
            self.query_one("#stream", Static).update(Text("Prep cancelled.", "bold yellow"))
        return running

    @work(thread=True, exclusive=True, group="prep", exit_on_error=False)
    def _prepare(self, client: Client, run: int) -> None:
        from reflect.render import brief_markdown

        worker = get_current_worker()
        practice = practice_of(self)

        def streamed(piece: str) -> None:
            self.post_message(PrepStreamed(piece, run))

        try:
            brief = practice.insight.prep(
                client,
                on_text=streamed,
                cancelled=lambda: worker.is_cancelled,
            )
            reid = practice.roster.reidentifier(client)
        except ReflectError as exc:
            self.post_message(WorkFailed(str(exc)))
            self.post_message(PrepFinished("", run))
            return
        if not worker.is_cancelled:
            self.post_message(PrepFinished(brief_markdown(brief, reid), run))

    @on(PrepStreamed)
    def _streamed(self, message: PrepStreamed) -> None:
        message.stop()
        if message.run != self._run or not self._live:
            return
        self._tokens += 1
        self.query_one("#stream", Static).update(
            Text(f"The {self._who()} is writing… {self._tokens} tokens (it sees only redacted text; Escape cancels)", "dim"))

    def _who(self) -> str:
        """"local model", or "model server" when prep runs on the practice's model server (model_url)."""
        return "model server" if practice_of(self).settings.model_url else "local model"

    @on(PrepFinished)
    def _finished(self, message: PrepFinished) -> None:
        message.stop()
        if message.run != self._run:
            return
        self._live = False
        self.query_one("#stream", Static).update("")
        self.query_one("#brief", Markdown).update(message.markdown or "Prep failed: see the message above.")
