"""Practice-scale benchmark: a whole practice (N clients x M notes) on the real components.

Run:  .venv/bin/python benchmarks/practice_scale.py [--clients 40] [--notes 50] [--data-dir DIR] [--reuse] [--out FILE]

Measures, with real Presidio + spaCy, the real MiniLM embedder, real Chroma directories and the real
default GGUF (no fakes):

1. import: building the practice through the normal API (one add-notes call per client, as
   ``reflect import`` does), total seconds and notes/s, and per-client time as the practice grows;
2. start-up: the Textual app (``reflect.tui.app``) on that data directory, headless (``run_test``,
   100x30), in a fresh process per run: imports, unlocking, first painted frame, client list holding
   all N clients, and the background count of open commitments; ``reflect client list`` as a
   subprocess (``REFLECT_PASSPHRASE``, ``--data-dir``);
3. search latency p50 / p95 over queries spread across the clients (practice opened fresh, so the
   first search of a client also opens its index);
4. themes latency for a few clients and prep latency (the real model) for a few clients;
5. peak RSS (ru_maxrss) of this process after each phase, and of the app-start process.

The notes are synthetic and deterministic (seeded; names from faker): coaching-session paragraphs of
~800-1,500 characters with the people around each client, sessions every ~2 weeks over ~2 years,
commitments ("She will draft the message to her team by Friday.") and their follow-up. Building 2,000
notes takes minutes: the built practice is kept in ``--data-dir`` and ``--reuse`` skips the build.

The same script measures the code before and after the core API refactor: every call into reflect
goes through ``Api`` below, which uses ``reflect.core.opener`` when it exists and ``Practice`` otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

# Keep the top of this file light: the app-start child process imports it before timing reflect.

BENCH_PASSPHRASE = "benchmark passphrase (synthetic data only)"
GENERATOR_VERSION = 1  # bump when the synthetic notes change, so --reuse refuses an old build
END_DAY = date(2026, 10, 30)  # the last possible session (fixed, so the data does not move with today)
SPAN_DAYS = 720


# ---------------------------------------------------------------------------------------------------
# The API adapter: the only place that names reflect's core API.
# ---------------------------------------------------------------------------------------------------
class Api:
    """Old API: ``Practice.open`` with methods on the practice. New API: ``open_practice`` with
    services ``roster``, ``notes`` and ``insight``."""

    def __init__(self) -> None:
        self.new = importlib.util.find_spec("reflect.core.opener") is not None
        self.name = "reflect.core.opener.open_practice (services)" if self.new else "reflect.core.practice.Practice (methods)"

    # lifecycle
    def open(self, path: Path, passphrase: str = BENCH_PASSPHRASE):
        if self.new:
            from reflect.core.opener import open_practice

            return open_practice(path, passphrase=passphrase)
        from reflect.core.practice import Practice

        return Practice.open(path, passphrase=passphrase)

    @staticmethod
    def close(p) -> None:
        if hasattr(p, "close"):
            p.close()
        else:
            p.__exit__(None, None, None)

    @staticmethod
    def note_input(day: date, text: str, source: str):
        try:
            from reflect.core.noteinput import NoteInput
        except ImportError:  # pragma: no cover - should the refactor move it
            from reflect.core.notes import NoteInput  # type: ignore[no-redef]
        return NoteInput(day, text, source)

    # roster and notes
    def add_client(self, p, name: str):
        return p.roster.add_client(name) if self.new else p.add_client(name)

    def add_notes(self, p, client, inputs: list) -> None:
        if self.new:
            p.notes.add(client, inputs)
        else:
            p.add_notes(client, inputs)

    def clients(self, p) -> list:
        """The client objects (what the other calls take), in the order the practice lists them."""
        rows = p.roster.clients() if self.new else p.clients()
        return [getattr(r, "client", r) for r in rows]

    # insight
    def search(self, p, client, query: str):
        return p.insight.search(client, query) if self.new else p.search(client, query)

    def themes(self, p, client):
        return p.insight.themes(client) if self.new else p.themes(client)

    def prep(self, p, client):
        return p.insight.prep(client) if self.new else p.prep(client)

    def load_llm(self, p) -> bool:
        """Load the chat model up front when the API exposes it (then prep timings exclude the load)."""
        owners = (getattr(p, "components", None), p.insight, p) if self.new else (p,)
        for owner in owners:
            if owner is not None and hasattr(type(owner), "llm"):
                owner.llm  # noqa: B018 - the property loads the model
                return True
        return False

    # the app
    @staticmethod
    def make_app(p):
        from reflect.tui.app import ReflectApp

        return ReflectApp(p)


# ---------------------------------------------------------------------------------------------------
# Synthetic practice
# ---------------------------------------------------------------------------------------------------
PRONOUNS = {
    "she": {"she": "she", "She": "She", "her": "her", "Her": "Her", "herself": "herself"},
    "he": {"she": "he", "She": "He", "her": "his", "Her": "His", "herself": "himself"},
}
# {her}: possessive; object forms are avoided in templates ("{C}" instead) to keep agreement simple.
TOPICS = {
    "delegation": [
        "We spent most of the hour on delegation: {she} still reviews every slide {rep1} sends before it goes to {mgr}.",
        "{C} described handing the weekly report to {rep1} and then quietly redoing half of it on Sunday night.",
        "When I asked what good enough would look like for the metrics pack, {she} paused for a long time.",
        "{She} noticed that letting go feels like losing control, and that {rep2} reads the rewrites as distrust.",
    ],
    "manager": [
        "The one-to-ones with {mgr} keep getting moved, and {C} feels {her} priorities change every week.",
        "{mgr_first} challenged {her} budget in front of the leadership team at {org}, and {she} went quiet.",
        "{She} wants clearer priorities from {mgr_first} but worries that asking will sound like complaining.",
        "We role-played the conversation with {mgr_first}; the first version was mostly apology.",
    ],
    "energy": [
        "Sleep has been poor for three weeks and {her} energy is low by Wednesday afternoon.",
        "{C} said {she} has not taken a full day off since the summer and the kids have noticed.",
        "{partner} asked {C} to be home for dinner three nights a week, and {she} has managed one.",
        "{She} named the early signs of burnout: short temper in meetings, skipping the run, late-night e-mail.",
    ],
    "conflict": [
        "The tension with {peer} about the shared roadmap came up again; they talk past each other in the steering group.",
        "{C} replayed the exchange with {peer} word for word, which told us how much it still stings.",
        "{She} would like to repair things with {peer} without giving up the point about the launch date.",
        "We looked at what {peer} might need from {C} that {she} has not been giving.",
    ],
    "visibility": [
        "The board presentation at {org} is in two weeks, and the impostor voice is loud again.",
        "{She} rehearsed the opening out loud; {her} voice dropped at the moment {she} gave the number.",
        "{cfo} asked a hard question last time and {C} answered with three caveats before the answer.",
        "{She} wants to speak first in the exec meeting instead of waiting until everyone else has spoken.",
    ],
    "career": [
        "A recruiter called about a role at {other_org}, and {C} is surprised how much it tempted {her}.",
        "{She} is unsure whether to go for the director role or stay close to the product work {she} loves.",
        "{mgr_first} hinted at a promotion in the spring, but nothing concrete has been said.",
        "We mapped what {she} would miss and what {she} would gain if {she} left {org}.",
    ],
    "team": [
        "The reorganisation at {org} will merge {her} team with {peer_first}'s, and people are anxious.",
        "{rep2} asked for more feedback, and {C} realised {she} only gives it when something goes wrong.",
        "The 360 said the team wants fewer late changes and more clarity on what matters this quarter.",
        "{rep1} is ready for more responsibility, and {C} knows {she} is the bottleneck.",
    ],
    "boundaries": [
        "{C} said yes to two more working groups this month and regrets both.",
        "{She} blocks time for strategy and then gives it away to the first urgent request.",
        "We talked about which recurring meetings {she} could leave without anyone noticing.",
        "Saying no to {mgr_first} still feels impossible, even for small things.",
    ],
}
OPENINGS = [
    "Session with {C} on video; {she} joined from the car park at {org}.",
    "{C} arrived ten minutes late and a little flat after a week of back-to-back meetings.",
    "Good energy today. {C} opened with a win from the leadership offsite.",
    "{C} wanted to use today to step back and look at the bigger picture.",
    "Short session, forty minutes, because {C} had to present at 11.",
    "We met in person at the office on {street}. {C} seemed tired but focused.",
]
REFLECTIONS = [
    "What struck me was how quickly {she} moved from the feeling to a plan.",
    "I reflected back the pattern: when pressure rises, {she} takes the work back.",
    "{She} said the most useful question was what {she} would do if {she} trusted {her} team completely.",
    "There was a long silence after I asked what {she} is protecting by staying busy.",
    "We noticed the same language as in earlier sessions: should, must, have to.",
    "I offered an observation about how often {mgr_first}'s name comes up, and {she} laughed.",
]
ACTIONS = [  # (base form, past form)
    ("draft the message to {her} team about the new priorities", "drafted the message to {her} team about the new priorities"),
    ("block two mornings a week for strategy work", "blocked two mornings for strategy work"),
    ("ask {mgr_first} for a fixed one-to-one slot", "asked {mgr_first} for a fixed one-to-one slot"),
    ("hand the metrics deck to {rep1} without reviewing it", "handed the metrics deck to {rep1}"),
    ("book a coffee with {peer_first} to reset the relationship", "booked the coffee with {peer_first}"),
    ("write down three wins every Friday", "wrote down three wins each Friday"),
    ("leave one recurring meeting", "left the Thursday status meeting"),
    ("prepare two options for the budget review instead of one number", "prepared two options for the budget review"),
    ("give {rep2} specific feedback on the launch plan", "gave {rep2} specific feedback on the launch plan"),
    ("take a full day off before the end of the month", "took a full day off"),
    ("rehearse the board opening out loud twice", "rehearsed the board opening twice"),
    ("tell {partner} which evenings are protected", "told {partner} which evenings are protected"),
]
DEADLINES = ["by Friday", "before our next session", "by the end of the month", "this week", "before the board meeting", "by Wednesday"]
COMMIT_FORMS = [
    "{She} will {action} {deadline}.",
    "{C} agreed to {action} {deadline}.",
    "Next step: {action} {deadline}.",
    "Homework: {action}.",
    "{She} committed to {action} {deadline}.",
]
DONE_FORMS = [
    "{She} finally {past}, and it went better than expected.",
    "{C} {past} and said it was easier than {she} feared.",
]
OPEN_FORMS = [
    "{She} did not get to it: {she} still has not managed to {action}.",
    "The commitment to {action} slipped again; the week got away from {C}.",
]
DROPPED_FORMS = ["{She} decided not to {action} after all; it no longer felt like the right move."]


def _fill(template: str, ctx: dict) -> str:
    return template.format(**ctx)


def practice_spec(n_clients: int, n_notes: int, seed: int = 2026) -> list[dict]:
    """Every client of the practice: name, the people around them and their dated notes. Deterministic."""
    from faker import Faker

    fake = Faker(["en_US", "en_GB", "en_IE"])
    fake.seed_instance(seed)
    rng = random.Random(seed)
    used: set[str] = set()
    clients = []
    start0 = END_DAY - timedelta(days=SPAN_DAYS + 40)

    def unique(make) -> str:
        while True:
            value = make()
            if value not in used:
                used.add(value)
                return value

    for _ in range(n_clients):
        gender = rng.choice(["she", "he"])
        first = fake.first_name_female() if gender == "she" else fake.first_name_male()
        name = unique(lambda first=first: f"{first} {fake.last_name()}")
        mgr, rep1, rep2, peer, cfo = (unique(fake.name) for _ in range(5))
        org, other_org = unique(fake.company), unique(fake.company)
        ctx = dict(PRONOUNS[gender])
        ctx.update(
            C=name.split()[0], mgr=mgr, mgr_first=mgr.split()[0], rep1=rep1.split()[0], rep2=rep2, peer=peer,
            peer_first=peer.split()[0], cfo=cfo, partner=fake.first_name(), org=org, other_org=other_org,
            street=fake.street_name(),
        )
        topics = rng.sample(sorted(TOPICS), 3)  # this client's recurring topics
        start = start0 + timedelta(days=rng.randint(0, 40))
        step = SPAN_DAYS / max(1, n_notes - 1)
        days = sorted({min(END_DAY, start + timedelta(days=int(round(i * step)) + rng.randint(-3, 3))) for i in range(n_notes)})
        while len(days) < n_notes:  # jitter collapsed two sessions onto one day: spread them again
            days = sorted(set(days) | {days[-1] - timedelta(days=len(days))})
        notes = []
        last_action = None
        for day in days:
            target = rng.randint(800, 1500)
            parts = [[_fill(rng.choice(OPENINGS), ctx)]]
            if last_action is not None:
                a_base, a_past = (_fill(x, ctx) for x in last_action)
                fate = rng.random()
                forms = DONE_FORMS if fate < 0.55 else OPEN_FORMS if fate < 0.9 else DROPPED_FORMS
                parts[0].append(_fill(rng.choice(forms), {**ctx, "action": a_base, "past": a_past}))
            picked = [rng.choice(topics) if rng.random() < 0.75 else rng.choice(sorted(TOPICS)) for _ in range(5)]
            said: set[str] = set()
            for topic in picked:
                fresh = [x for x in TOPICS[topic] if x not in said]
                chosen = rng.sample(fresh, min(len(fresh), rng.choice([2, 2, 3])))
                said.update(chosen)
                if chosen:
                    parts.append(chosen)
            closing = [_fill(rng.choice(REFLECTIONS), ctx)]
            if rng.random() < 0.1:
                closing.append(f"{ctx['rep1']} can be reached on {fake.phone_number()} while {ctx['C']} is travelling.")
            last_action = rng.choice(ACTIONS)
            commitment = _fill(rng.choice(COMMIT_FORMS), {**ctx, "action": _fill(last_action[0], ctx), "deadline": rng.choice(DEADLINES)})
            tail = " ".join(closing) + "\n\n" + commitment
            # Paragraphs until the target length (800-1,500 characters); the reflection and the commitment close the note.
            body: list[str] = []
            for para in parts:
                paragraph = " ".join(_fill(x, ctx) for x in para)
                length = len("\n\n".join(body + [paragraph, tail]))
                if length > 1500:
                    continue
                body.append(paragraph)
                if length >= target:
                    break
            extra = [x for x in REFLECTIONS if _fill(x, ctx) not in closing]
            while len("\n\n".join(body + [tail])) < 800 and extra:
                body.append(_fill(extra.pop(rng.randrange(len(extra))), ctx))
            text = "\n\n".join(body + [tail])
            notes.append({"date": day.isoformat(), "text": text})
        clients.append({"name": name, "people": [mgr, rep1, rep2, peer, cfo, ctx["partner"]], "org": org, "notes": notes})
    return clients


# ---------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------
def rss_mb() -> float:
    """Peak resident set size of this process so far, MB. VmHWM from /proc (reset by exec, so a child
    process does not inherit its parent's peak as ru_maxrss does on Linux), else ru_maxrss."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Contention:
    """How much CPU other processes used while a phase ran: (all busy CPU time on the machine - this
    process's and its children's) / wall time, in cores. On a 2-core machine, 1.0 means half of it
    was taken by something else; figures measured under load are not comparable with quiet ones."""

    def __init__(self) -> None:
        self.wall, self.busy, self.own = time.perf_counter(), self._busy(), self._own()
        self.load_start = os.getloadavg()[0]

    @staticmethod
    def _busy() -> float:
        try:
            fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        except (OSError, ValueError):
            return float("nan")
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
        busy = sum(fields[:8]) - idle  # user nice system idle iowait irq softirq steal
        return busy / os.sysconf("SC_CLK_TCK")

    @staticmethod
    def _own() -> float:
        me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime

    def done(self) -> dict:
        wall = time.perf_counter() - self.wall
        others = max(0.0, (self._busy() - self.busy) - (self._own() - self.own))
        return {"wall_s": round(wall, 1), "other_processes_cpu_cores": round(others / wall, 2) if wall else None,
                "loadavg_1min_start": round(self.load_start, 2), "loadavg_1min_end": round(os.getloadavg()[0], 2)}


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def machine() -> dict:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import reflect

    root = Path(reflect.__file__).resolve().parent.parent

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "reflect_file": reflect.__file__,
        "git_commit": git("rev-parse", "HEAD") or "unknown (not a git checkout)",
        "git_dirty_files": len([line for line in git("status", "--porcelain", "--untracked-files=no").splitlines() if line.strip()]),
    }


def quiet_logs() -> None:
    import logging

    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)


# ---------------------------------------------------------------------------------------------------
# 1. Build
# ---------------------------------------------------------------------------------------------------
def build(api: Api, data: Path, spec: list[dict], batch: int) -> dict:
    if data.exists():
        shutil.rmtree(data)
    data.mkdir(parents=True)
    per_client, rss_after = [], []
    total_notes = sum(len(c["notes"]) for c in spec)
    t_open = time.perf_counter()
    p = api.open(data)
    open_s = time.perf_counter() - t_open
    started, cpu_started = time.perf_counter(), time.process_time()
    try:
        for i, c in enumerate(spec):
            t = time.perf_counter()
            client = api.add_client(p, c["name"])
            inputs = [api.note_input(date.fromisoformat(n["date"]), n["text"], f"synthetic {i}.{j}") for j, n in enumerate(c["notes"])]
            size = batch or len(inputs)
            for k in range(0, len(inputs), size):
                api.add_notes(p, client, inputs[k : k + size])
            per_client.append(time.perf_counter() - t)
            rss_after.append(round(rss_mb()))
            done = sum(len(x["notes"]) for x in spec[: i + 1])
            print(f"  built client {i + 1}/{len(spec)}: {len(inputs)} notes in {per_client[-1]:.1f} s "
                  f"({done}/{total_notes} notes, {time.perf_counter() - started:.0f} s, RSS {rss_after[-1]} MB)", flush=True)
    finally:
        t = time.perf_counter()
        api.close(p)
        close_s = time.perf_counter() - t
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    first = per_client[: max(1, len(per_client) // 4)]
    last = per_client[-max(1, len(per_client) // 4) :]
    return {
        "build_notes": total_notes,
        "build_s": elapsed,
        "build_notes_per_s": total_notes / elapsed,
        "build_cpu_s": cpu,
        "build_cpu_ms_per_note": 1000 * cpu / total_notes,
        "build_open_s": open_s,
        "build_close_s": close_s,
        "build_batch": batch or "all of a client's notes in one call",
        "build_per_client_s": [round(x, 2) for x in per_client],
        "build_first_quarter_client_median_s": statistics.median(first),
        "build_last_quarter_client_median_s": statistics.median(last),
        "build_rss_after_each_client_mb": rss_after,
        "build_peak_rss_mb": rss_mb(),
    }


# ---------------------------------------------------------------------------------------------------
# 2. Start-up: the app (child process) and `reflect client list`
# ---------------------------------------------------------------------------------------------------
def app_child(data: Path, n_clients: int, t_spawn: float, wait_s: float, wait_background: bool = True) -> dict:
    """Runs in a fresh process: time the app from process spawn to client list and background work."""
    t_main = time.perf_counter()
    out: dict = {"python_start_s": t_main - t_spawn}
    quiet_logs()
    api = Api()
    t = time.perf_counter()
    import reflect.tui.app  # noqa: F401
    from reflect.core import hardening

    hardening.apply()
    if api.new:
        import reflect.core.opener  # noqa: F401
    else:
        import reflect.core.practice  # noqa: F401
    out["import_s"] = time.perf_counter() - t
    import reflect

    out["reflect_file"] = reflect.__file__
    t = time.perf_counter()
    p = api.open(data)
    out["open_s"] = time.perf_counter() - t
    out["rss_after_open_mb"] = rss_mb()
    app = api.make_app(p)
    def client_rows() -> int:
        """Client rows mounted in the client list (``#clients`` on the active screen, else the app)."""
        for root in (app.screen, app):
            try:
                widget = root.query_one("#clients")
            except Exception:  # noqa: BLE001 - not composed yet, or not on this screen
                continue
            for attr in ("option_count", "row_count"):  # should the list become an OptionList or a DataTable
                if isinstance(getattr(widget, attr, None), int):
                    return getattr(widget, attr)
            return sum(1 for item in widget.children if item.is_mounted)
        return -1

    def selected_client():
        return getattr(app, "client", None) or getattr(app.screen, "client", None)

    frames: list[float] = []
    frame_cpu: list[float] = []  # process CPU time (all threads, from process start) at each frame
    frame_items: list[int] = []
    original_display = app._display

    def display(screen, renderable):  # every frame the compositor produces (headless: not written out)
        if renderable is not None and not app._batch_count:
            frames.append(time.perf_counter())
            frame_cpu.append(time.process_time())
            frame_items.append(client_rows())
        return original_display(screen, renderable)

    app._display = display  # type: ignore[method-assign]
    counted: list[float] = []

    def hook(message) -> None:
        if type(message).__name__ == "CommitmentsCounted" and not counted:
            counted.append(time.perf_counter())
            counted.append(time.process_time())

    async def next_client_key() -> float | None:
        """Down arrow in the client list, as the terminal sends it, until the next frame that shows the
        next client (the app's handler reads that client's notes). Not ``pilot.press``: it waits until
        the process is idle (up to 2 s), which it never is while a worker thread computes."""
        from textual import events

        before_client, sent = selected_client(), time.perf_counter()
        key = events.Key("down", None)
        key.set_sender(app)
        app._driver.send_message(key)
        while time.perf_counter() - sent < 60:
            if selected_client() is not before_client:
                changed = time.perf_counter()
                while time.perf_counter() - changed < 10:
                    if frames and frames[-1] >= changed:
                        return frames[-1] - sent
                    await asyncio.sleep(0.002)
                return changed - sent
            await asyncio.sleep(0.002)
        return None

    async def run() -> None:
        t_run = time.perf_counter()
        out["app_construct_to_run_s"] = t_run - t_main
        async with app.run_test(size=(100, 30), message_hook=hook) as pilot:
            t_ready = time.perf_counter()
            list_full = None
            lags: list[float] = []
            deadline = t_ready + wait_s
            commit_workers_seen = False
            while time.perf_counter() < deadline:
                # The background count of open commitments is done when its message arrives, or (should
                # the message be renamed) when the worker whose name or group says "commit" has finished.
                running = [w for w in list(app.workers) if "commit" in f"{w.name} {w.group}".lower() and not w.is_finished]
                if running:
                    commit_workers_seen = True
                elif commit_workers_seen and not counted:
                    counted.extend([time.perf_counter(), time.process_time()])
                    out["commitments_done_by"] = "worker finished"
                if list_full is None and client_rows() >= n_clients:
                    list_full = time.perf_counter()
                    out["rss_at_client_list_mb"] = rss_mb()
                if list_full is not None and "key_during_background_s" not in out:
                    # A keypress while the background work runs: next client, their notes listed.
                    out["key_pressed_while_background"] = not counted
                    out["key_during_background_s"] = await next_client_key()
                if list_full is not None and (counted or not wait_background):
                    break
                before = time.perf_counter()
                await asyncio.sleep(0.01)
                lags.append(time.perf_counter() - before - 0.01)
            await pilot.pause()
            painted_full = [f for f, n in zip(frames, frame_items, strict=True) if n >= n_clients]
            painted_full_cpu = [c for c, n in zip(frame_cpu, frame_items, strict=True) if n >= n_clients]
            out["first_frame_cpu_s"] = frame_cpu[0] if frame_cpu else None
            out["client_list_painted_cpu_s"] = painted_full_cpu[0] if painted_full_cpu else None
            out["commitments_counted_cpu_s"] = counted[1] if counted else None
            base = t_spawn
            out["ready_s"] = t_ready - base
            out["first_frame_s"] = frames[0] - base if frames else None
            out["client_list_polled_s"] = list_full - base if list_full else None  # polled from run_test's return on
            out["client_list_painted_s"] = painted_full[0] - base if painted_full else None  # first frame with all N mounted
            out["client_list_items"] = client_rows()
            out["commitments_counted_s"] = counted[0] - base if counted else None
            out["commitments_timed_out"] = wait_background and not counted
            out["waited_for_background"] = wait_background
            out["frames"] = len(frames)
            out["first_frames_mounted_clients"] = frame_items[:5]
            out["loop_lag_p50_ms"] = 1000 * pct(lags, 0.5) if lags else None
            out["loop_lag_max_ms"] = 1000 * max(lags) if lags else None
            out["rss_at_end_mb"] = rss_mb()
            if counted:
                out["next_client_key_s"] = await next_client_key()  # the same with the background work done
            t_exit = time.perf_counter()
            for w in list(app.workers):
                w.cancel()
        out["app_exit_s"] = time.perf_counter() - t_exit  # leaving run_test: workers cancelled, app shut down

    try:
        asyncio.run(run())
    finally:
        t = time.perf_counter()
        api.close(p)
        out["close_s"] = time.perf_counter() - t
    out["peak_rss_mb"] = rss_mb()
    return out


def bench_app(data: Path, n_clients: int, runs: int, wait_s: float, wait_runs: int) -> dict:
    runs_out = []
    for r in range(runs):
        env = {**os.environ, "REFLECT_PASSPHRASE": BENCH_PASSPHRASE}
        t_spawn = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--app-child", "--data-dir", str(data), "--clients", str(n_clients),
             "--t-spawn", repr(t_spawn), "--app-wait", str(wait_s if r < wait_runs else 0)],
            capture_output=True, text=True, env=env,
        )
        wall = time.perf_counter() - t_spawn
        line = next((x for x in reversed(proc.stdout.splitlines()) if x.startswith("APP-RESULT ")), None)
        if proc.returncode != 0 or line is None:
            print(proc.stdout[-2000:], proc.stderr[-4000:], file=sys.stderr)
            raise SystemExit(f"app-start child failed (exit {proc.returncode})")
        res = json.loads(line[len("APP-RESULT ") :])
        res["process_wall_s"] = wall
        runs_out.append(res)
        s = lambda k, res=res: "-" if res.get(k) is None else f"{res[k]:.2f} s"  # noqa: E731
        print(f"  app run {r + 1}/{runs}: first frame {s('first_frame_s')}, all clients in the list {s('client_list_painted_s')}, "
              f"commitments counted {s('commitments_counted_s')}, key during background work {s('key_during_background_s')}, "
              f"peak RSS {res['peak_rss_mb']:.0f} MB", flush=True)
        time.sleep(0.5)

    def med(key):
        vals = [r[key] for r in runs_out if r.get(key) is not None]
        return statistics.median(vals) if vals else None

    keys = ["python_start_s", "import_s", "open_s", "ready_s", "first_frame_s", "client_list_polled_s", "client_list_painted_s",
            "commitments_counted_s", "first_frame_cpu_s", "client_list_painted_cpu_s", "commitments_counted_cpu_s", "key_during_background_s",
            "next_client_key_s", "loop_lag_p50_ms", "loop_lag_max_ms", "rss_after_open_mb",
            "rss_at_client_list_mb", "rss_at_end_mb", "peak_rss_mb", "process_wall_s"]
    return {"app_runs": runs_out, **{f"app_{k}": med(k) for k in keys}}


def bench_cli_list(data: Path, n_clients: int, runs: int) -> dict:
    exe = Path(sys.executable).with_name("reflect")
    env = {**os.environ, "REFLECT_PASSPHRASE": BENCH_PASSPHRASE}
    # Which reflect the CLI imports (the same environment as this process).
    where = subprocess.run([sys.executable, "-c", "import reflect; print(reflect.__file__)"], capture_output=True, text=True, env=env).stdout.strip()
    times, rss, cpu = [], [], []
    for _ in range(runs):
        t = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-v", str(exe), "--data-dir", str(data), "client", "list"], capture_output=True, text=True, env=env)
        times.append(time.perf_counter() - t)
        if proc.returncode != 0:
            raise SystemExit(f"reflect client list failed: {proc.stderr[-2000:]}")
        rss.append(next((int(x.split(":")[1]) for x in proc.stderr.splitlines() if "Maximum resident set size" in x), 0) / 1024)
        cpu.append(sum(float(x.split(":")[1]) for x in proc.stderr.splitlines() if x.strip().startswith(("User time", "System time"))))
    t = time.perf_counter()
    proc = subprocess.run([str(exe), "--data-dir", str(data), "client", "list", "--json"], capture_output=True, text=True, env=env)
    json_s = time.perf_counter() - t
    listed = len(json.loads(proc.stdout)["clients"]) if proc.returncode == 0 else None
    return {
        "cli_list_median_s": statistics.median(times), "cli_list_min_s": min(times), "cli_list_runs_s": times,
        "cli_list_cpu_median_s": statistics.median(cpu), "cli_list_json_s": json_s, "cli_list_clients": listed, "cli_list_peak_rss_mb": statistics.median(rss),
        "cli_reflect_file": where, "cli_list_ok": listed == n_clients,
    }


# ---------------------------------------------------------------------------------------------------
# 3-4. Search, themes, prep (one freshly opened practice)
# ---------------------------------------------------------------------------------------------------
QUERIES = [
    "delegating the report to {rep1}", "conflict with {peer}", "sleep, energy and burnout", "board presentation nerves",
    "what did {mgr_first} say about priorities", "saying no to meetings", "promotion or a new job", "feedback for the team",
    "home for dinner with {partner}", "budget review options", "reorganisation and the merged team", "impostor feelings",
]


def bench_queries(api: Api, data: Path, spec: list[dict], n_queries: int, themes_clients: int, prep_runs: int, seed: int) -> dict:
    rng = random.Random(seed + 1)
    out: dict = {}
    t = time.perf_counter()
    p = api.open(data)
    out["open_s"] = time.perf_counter() - t
    try:
        clients = api.clients(p)
        by_name = {c.name: c for c in clients}
        ordered = [by_name[c["name"]] for c in spec]
        # Query text with this client's people in it (they are redacted first, as in the app).
        people = {c["name"]: {"rep1": c["people"][1].split()[0], "peer": c["people"][3], "mgr_first": c["people"][0].split()[0],
                              "partner": c["people"][5]} for c in spec}
        order = list(range(len(ordered)))
        rng.shuffle(order)
        plan = [(order[i % len(order)], rng.choice(QUERIES)) for i in range(n_queries)]
        t = time.perf_counter()
        api.search(p, ordered[plan[0][0]], "warm-up query about delegation")  # loads the gate and embedder
        out["search_warmup_s"] = time.perf_counter() - t
        out["rss_after_first_search_mb"] = rss_mb()
        seen: set[int] = {plan[0][0]}
        first, warm, all_, cpu_ = [], [], [], []
        for ci, template in plan:
            q = template.format(**people[spec[ci]["name"]])
            t, c0 = time.perf_counter(), time.process_time()
            found = api.search(p, ordered[ci], q)
            dt = time.perf_counter() - t
            cpu_.append(time.process_time() - c0)
            all_.append(dt)
            (warm if ci in seen else first).append(dt)
            seen.add(ci)
            if not found:
                print(f"  warning: no results for {q!r}", file=sys.stderr)
        ms = lambda xs, q: round(1000 * pct(xs, q), 1) if xs else None  # noqa: E731
        out.update({
            "search_queries": len(all_), "search_clients": len(seen),
            "search_p50_ms": ms(all_, 0.5), "search_p95_ms": ms(all_, 0.95), "search_max_ms": ms(all_, 1.0),
            "search_cpu_p50_ms": ms(cpu_, 0.5), "search_cpu_p95_ms": ms(cpu_, 0.95),
            "search_first_per_client_n": len(first), "search_first_per_client_p50_ms": ms(first, 0.5),
            "search_warm_n": len(warm), "search_warm_p50_ms": ms(warm, 0.5), "search_warm_p95_ms": ms(warm, 0.95),
            "rss_after_search_mb": rss_mb(),
        })
        print(f"  search: {len(all_)} queries over {len(seen)} clients, p50 {out['search_p50_ms']} ms, p95 {out['search_p95_ms']} ms", flush=True)

        # Themes: a few clients, twice each (the second run has the index and the taxonomy vectors warm).
        picks = [ordered[i] for i in order[:themes_clients]]
        runs = []
        for c in picks:
            for attempt in (1, 2):
                t, c0 = time.perf_counter(), time.process_time()
                found = api.themes(p, c)
                runs.append({"client": c.id, "run": attempt, "s": time.perf_counter() - t, "cpu_s": time.process_time() - c0,
                             "themes": len(found)})
        firsts = [r["s"] for r in runs if r["run"] == 1]
        seconds = [r["s"] for r in runs if r["run"] == 2]
        out.update({
            "themes_runs": runs, "themes_clients": len(picks),
            "themes_first_median_s": statistics.median(firsts), "themes_first_max_s": max(firsts),
            "themes_repeat_median_s": statistics.median(seconds),
            "themes_first_cpu_median_s": statistics.median(r["cpu_s"] for r in runs if r["run"] == 1), "themes_count_median": statistics.median(r["themes"] for r in runs),
            "rss_after_themes_mb": rss_mb(),
        })
        print(f"  themes: {len(picks)} clients, first {out['themes_first_median_s']:.2f} s, repeat {out['themes_repeat_median_s']:.2f} s (median)", flush=True)

        # Prep: the real model, on different clients (not those whose themes were just computed).
        t = time.perf_counter()
        loaded = api.load_llm(p)
        out["prep_llm_loaded_separately"] = loaded
        out["llm_load_s"] = time.perf_counter() - t if loaded else None
        prep_clients = [ordered[i] for i in order[themes_clients : themes_clients + prep_runs]] or picks[:prep_runs]
        preps = []
        for c in prep_clients:
            t, c0 = time.perf_counter(), time.process_time()
            brief = api.prep(p, c)
            preps.append({"client": c.id, "s": time.perf_counter() - t, "cpu_s": time.process_time() - c0,
                          "model_status": getattr(brief, "model_status", None)})
            print(f"  prep {len(preps)}/{len(prep_clients)}: {preps[-1]['s']:.1f} s ({preps[-1]['model_status']})", flush=True)
        ps = [r["s"] for r in preps]
        out.update({
            "prep_runs": preps, "prep_median_s": statistics.median(ps), "prep_min_s": min(ps), "prep_max_s": max(ps),
            "prep_cpu_median_s": statistics.median(r["cpu_s"] for r in preps),
            "rss_after_prep_mb": rss_mb(),
        })
    finally:
        t = time.perf_counter()
        api.close(p)
        out["close_s"] = time.perf_counter() - t
    return out


# ---------------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=40)
    parser.add_argument("--notes", type=int, default=50, help="notes per client")
    parser.add_argument("--data-dir", type=Path, default=None, help="where the practice is built (default /tmp/reflect-scale-NxM)")
    parser.add_argument("--reuse", action="store_true", help="skip the build when --data-dir holds this practice already")
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON here")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--batch", type=int, default=0, help="notes per add call (0: all of a client's notes at once)")
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--themes-clients", type=int, default=5)
    parser.add_argument("--prep-runs", type=int, default=3)
    parser.add_argument("--app-runs", type=int, default=3)
    parser.add_argument("--cli-runs", type=int, default=3)
    parser.add_argument("--app-wait", type=float, default=600.0, help="longest wait for the app's background work, seconds")
    parser.add_argument("--app-wait-runs", type=int, default=1,
                        help="app runs that wait for the background work (open commitments of every client); the others stop at the client list")
    parser.add_argument("--skip", default="", help="comma-separated phases to skip: app,cli,queries")
    parser.add_argument("--app-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--t-spawn", type=float, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.app_child:
        res = app_child(args.data_dir, args.clients, args.t_spawn or time.perf_counter(), args.app_wait or 600.0, args.app_wait > 0)
        print("APP-RESULT " + json.dumps(res), flush=True)
        return

    from reflect.core import hardening

    hardening.apply()
    quiet_logs()
    t_all = time.perf_counter()
    api = Api()
    data = (args.data_dir or Path(f"/tmp/reflect-scale-{args.clients}x{args.notes}")).resolve()
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    results: dict = {
        "benchmark": "practice_scale", "date": date.today().isoformat(), "machine": machine(), "api": api.name,
        "clients": args.clients, "notes_per_client": args.notes, "seed": args.seed, "data_dir": str(data),
        "contention": {},
    }
    print(f"reflect imported from {results['machine']['reflect_file']} (commit {results['machine']['git_commit'][:10]}, "
          f"{results['machine']['git_dirty_files']} changed files); API: {api.name}", flush=True)

    t = time.perf_counter()
    spec = practice_spec(args.clients, args.notes, args.seed)
    lengths = [len(n["text"]) for c in spec for n in c["notes"]]
    results["generate_s"] = time.perf_counter() - t
    results["note_chars"] = {"mean": round(statistics.mean(lengths)), "min": min(lengths), "max": max(lengths)}
    all_days = [n["date"] for c in spec for n in c["notes"]]
    results["note_dates"] = {"first": min(all_days), "last": max(all_days)}
    fingerprint = {"generator": GENERATOR_VERSION, "clients": args.clients, "notes": args.notes, "seed": args.seed, "batch": args.batch,
                   "chars": sum(lengths)}
    marker = data / "practice_scale.json"
    reusable = args.reuse and marker.exists() and json.loads(marker.read_text()).get("fingerprint") == fingerprint
    if args.reuse and not reusable:
        print(f"  --reuse: {data} does not hold this practice; building it", flush=True)
    if reusable:
        built = json.loads(marker.read_text())
        results["build"] = {**built["build"], "reused": True, "built_by_commit": built.get("commit")}
        print(f"1. build: reused {data} (built in {built['build']['build_s']:.0f} s by {str(built.get('commit'))[:10]})", flush=True)
    else:
        print(f"1. build: {args.clients} clients x {args.notes} notes into {data}", flush=True)
        meter = Contention()
        results["build"] = {**build(api, data, spec, args.batch), "reused": False}
        results["build"]["contention"] = meter.done()
        marker.write_text(json.dumps({"fingerprint": fingerprint, "commit": results["machine"]["git_commit"], "build": results["build"]}))
    print(f"   {results['build']['build_notes']} notes in {results['build']['build_s']:.0f} s = {results['build']['build_notes_per_s']:.1f} notes/s", flush=True)

    if "app" not in skip:
        print(f"2a. app start (headless run_test 100x30, fresh process, {args.app_runs} runs)", flush=True)
        meter = Contention()
        results["app"] = bench_app(data, args.clients, args.app_runs, args.app_wait, args.app_wait_runs)
        results["contention"]["app"] = meter.done()
    if "cli" not in skip:
        print(f"2b. reflect client list ({args.cli_runs} runs)", flush=True)
        meter = Contention()
        results["cli"] = bench_cli_list(data, args.clients, args.cli_runs)
        results["contention"]["cli"] = meter.done()
        print(f"   median {results['cli']['cli_list_median_s']:.2f} s, {results['cli']['cli_list_clients']} clients listed", flush=True)
    if "queries" not in skip:
        print("3-4. search, themes, prep", flush=True)
        meter = Contention()
        results["queries"] = bench_queries(api, data, spec, args.queries, args.themes_clients, args.prep_runs, args.seed)
        results["contention"]["queries"] = meter.done()
    results["contention"]["build"] = results["build"].get("contention")
    results["process_peak_rss_mb"] = rss_mb()
    results["total_s"] = time.perf_counter() - t_all
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2, default=str))
    print_table(results)
    if args.out:
        print(f"\nJSON: {args.out}")


def print_table(r: dict) -> None:
    """Wall time, and in brackets CPU time of the process doing the work (all its threads): CPU time
    moves much less than wall time when other processes compete for the cores."""
    m = r["machine"]
    b = r["build"]
    print(f"\nPractice scale: {r['clients']} clients x {r['notes_per_client']} notes ({b['build_notes']} notes, "
          f"~{r['note_chars']['mean']} chars each, {r['note_dates']['first']}..{r['note_dates']['last']})")
    print(f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB, Python {m['python']}; commit {m['git_commit'][:10]}"
          f"{' (+%d changed files)' % m['git_dirty_files'] if m['git_dirty_files'] else ''}; API: {r['api']}")
    print("Times are wall clock; [cpu ...] is the CPU time of the process doing the work.\n")
    rows: list[tuple[str, str]] = []
    f = lambda v, d=2, u=" s": "-" if v is None else f"{v:.{d}f}{u}"  # noqa: E731
    cpu = lambda v, d=2, u=" s": "" if v is None else f" [cpu {v:.{d}f}{u}]"  # noqa: E731
    rows.append(("1. build: add client + add notes, real models" + (" (reused build)" if b.get("reused") else ""),
                 f"{b['build_s']:.0f} s, {b['build_notes_per_s']:.1f} notes/s{cpu(b.get('build_cpu_ms_per_note'), 0, ' ms/note')}"))
    rows.append((f"   per client ({r['notes_per_client']} notes in one call), median of first / last quarter",
                 f"{f(b['build_first_quarter_client_median_s'], 1)} / {f(b['build_last_quarter_client_median_s'], 1)}"))
    rows.append(("   peak RSS of the building process", f(b.get("build_peak_rss_mb"), 0, " MB")))
    a = r.get("app")
    if a:
        n = len(a["app_runs"])
        rows.append((f"2. app start (fresh process, median of {n}): interpreter / imports / unlock",
                     f"{f(a['app_python_start_s'])} / {f(a['app_import_s'])} / {f(a['app_open_s'])}"))
        rows.append(("   first painted frame, from spawn", f(a["app_first_frame_s"]) + cpu(a["app_first_frame_cpu_s"])))
        rows.append((f"   first frame with all {r['clients']} clients in the list, from spawn",
                     f(a["app_client_list_painted_s"]) + cpu(a["app_client_list_painted_cpu_s"])))
        rows.append(("   app ready (run_test returns), from spawn", f(a["app_ready_s"])))
        finished = sum(1 for x in a["app_runs"] if x.get("commitments_counted_s") is not None)
        rows.append((f"   open commitments counted (background worker), from spawn, {finished} run(s)",
                     f(a["app_commitments_counted_s"], 1) + cpu(a["app_commitments_counted_cpu_s"], 1)))
        rows.append(("   down key to next client painted: while that work runs / after",
                     f"{f(a['app_key_during_background_s'])} / {f(a['app_next_client_key_s'])}"))
        rows.append(("   event-loop lag while it runs, p50 / max", f"{f(a['app_loop_lag_p50_ms'], 1, ' ms')} / {f(a['app_loop_lag_max_ms'], 0, ' ms')}"))
        rows.append(("   app RSS: after unlock / at client list / peak",
                     f"{f(a['app_rss_after_open_mb'], 0, ' MB')} / {f(a['app_rss_at_client_list_mb'], 0, ' MB')} / {f(a['app_peak_rss_mb'], 0, ' MB')}"))
    c = r.get("cli")
    if c:
        rows.append((f"   `reflect client list` subprocess, median / min of {len(c['cli_list_runs_s'])}",
                     f"{f(c['cli_list_median_s'])} / {f(c['cli_list_min_s'])}{cpu(c.get('cli_list_cpu_median_s'))}, peak RSS {c['cli_list_peak_rss_mb']:.0f} MB"))
    q = r.get("queries")
    if q:
        rows.append((f"3. search, {q['search_queries']} queries over {q['search_clients']} clients, p50 / p95",
                     f"{q['search_p50_ms']} / {q['search_p95_ms']} ms [cpu {q.get('search_cpu_p50_ms')} / {q.get('search_cpu_p95_ms')} ms]"))
        rows.append((f"   first search of a client (opens its index), p50 of {q['search_first_per_client_n']}", f"{q['search_first_per_client_p50_ms']} ms"))
        rows.append((f"   later searches, p50 / p95 of {q['search_warm_n']}", f"{q['search_warm_p50_ms']} / {q['search_warm_p95_ms']} ms"))
        rows.append(("   practice open / first search (loads gate + embedder)", f"{f(q['open_s'])} / {f(q['search_warmup_s'])}"))
        rows.append((f"4. themes, {q['themes_clients']} clients: first / repeat, median (max first)",
                     f"{f(q['themes_first_median_s'])} / {f(q['themes_repeat_median_s'])} ({f(q['themes_first_max_s'])}){cpu(q.get('themes_first_cpu_median_s'))}"))
        rows.append((f"   prep, {len(q['prep_runs'])} clients: median (min-max)" + ("" if q["prep_llm_loaded_separately"] else ", first incl. model load"),
                     f"{f(q['prep_median_s'], 1)} ({f(q['prep_min_s'], 1)}-{f(q['prep_max_s'], 1)}){cpu(q.get('prep_cpu_median_s'), 1)}"))
        if q["prep_llm_loaded_separately"]:
            rows.append(("   chat model load (before prep)", f(q["llm_load_s"])))
        after_build = None if b.get("reused") else b.get("build_peak_rss_mb")
        rows.append(("5. peak RSS of this process after build / search / themes / prep",
                     " / ".join(f(v, 0, " MB") for v in (after_build, q["rss_after_search_mb"], q["rss_after_themes_mb"], q["rss_after_prep_mb"]))))
    rows.append(("   peak RSS of this process", f(r["process_peak_rss_mb"], 0, " MB")))
    rows.append(("   whole run", f(r["total_s"], 0)))
    busy = ", ".join(f"{k} {v['other_processes_cpu_cores']:.2f}" for k, v in r["contention"].items() if v)
    rows.append((f"   CPU taken by other processes per phase, cores of {m['cores']}", busy or "-"))
    width = max(len(k) for k, _ in rows)
    print(f"| {'measure'.ljust(width)} | result |\n| {'-' * width} | --- |")
    for k, v in rows:
        print(f"| {k.ljust(width)} | {v} |")

if __name__ == "__main__":
    main()
