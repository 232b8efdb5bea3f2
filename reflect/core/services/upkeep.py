"""Looking after a practice: the audit of what the model was shown, erasing a client, rebuilding
indexes, and ``doctor``'s checks (models, store, indexes, redaction in step with the roster,
permissions, offline hardening, encryption). Reports carry ids and counts, never text.
"""

from __future__ import annotations

import logging
import shutil
import sys
from pathlib import Path

from reflect.core import hardening
from reflect.core.boundary import Outbound
from reflect.core.chunking import CHUNKER_VERSION
from reflect.core.domain import Client
from reflect.core.errors import ModelError, ReflectError
from reflect.core.netpolicy import Endpoint
from reflect.core.services.context import Context
from reflect.core.services.reredaction import Reredactor
from reflect.core.services.results import DoctorCheck, PromptRecord, Reredaction

log = logging.getLogger(__name__)


def _allowed(endpoint: Endpoint) -> str:
    if endpoint.allowed_by_name:
        return f"{endpoint.host} is allowed by name (allowed_hosts)"
    return f"{endpoint.host} resolves to {', '.join(endpoint.addresses)}: private network" + ("; https" if endpoint.tls else "; plain http")


class Upkeep:
    def __init__(self, ctx: Context, reredactor: Reredactor) -> None:
        self._ctx = ctx
        self._reredactor = reredactor

    def audit(self, client: Client | None = None) -> list[PromptRecord]:
        """The recorded prompts, each marked with how many names it holds that have been put on the
        roster (or learned) since it was sent (``names_redacted_since``; 0 when in step)."""
        outbound: dict[str, Outbound] = {}
        out = []
        for row in self._ctx.store.prompts(client.id if client else None):
            cid = row["client_id"]
            if cid is not None and cid not in outbound:
                outbound[cid] = self._ctx.outbound(cid)
            prompt = row["prompt"] or ""
            since = outbound[cid].leaks(prompt) if cid is not None else 0
            out.append(PromptRecord(row["at"] or "", cid, row["purpose"] or "", prompt, since))
        return out

    def reindex(self, client: Client | None = None) -> dict[str, Reredaction]:
        """Re-redact every note from its original and rebuild the indexes from the store."""
        return self._reredactor.reindex(client)

    def reredact(self, client: Client, *, everything: bool = False, index: bool = True, rebuild: bool = False) -> Reredaction:
        """Bring a client's stored notes and index in step with their current roster and map."""
        return self._reredactor.reredact(client, everything=everything, index=index, rebuild=rebuild)

    def rebuild_index(self, client: Client, reuse: bool = True) -> int:
        """Replace a client's index with one computed from the store; returns passages embedded."""
        return self._reredactor.rebuild_index(client, self._ctx.store.notes(client.id), reuse=reuse)

    def forget(self, client: Client) -> None:
        """Erase a client: their collections on the index server (server mode), then store rows (notes,
        roster, map, prompts) and their whole index directory."""
        from reflect.core.index import leftovers

        ctx = self._ctx
        ctx.drop_index(client.id)
        if ctx.settings.index_url:
            # First, while the client's key still names their collections: once the key is gone nobody
            # could tell which collections on the server were theirs. Unreachable server: nothing erased.
            ctx.components.erase_index(ctx.paths.client_index(client.id), ctx.store.index_name(client.id))
        with ctx.store.transaction():
            ctx.store.delete_client(client.id)  # with it goes the client's wrapped data key
        if not ctx.store.purge():
            log.warning("a reader kept old pages in the write-ahead log; they are removed at the next checkpoint")
        self._remove_leftovers()
        failed: list[str] = []
        for path in (ctx.paths.client_index(client.id), *leftovers(ctx.paths.client_index(client.id))):
            if path.exists():
                if sys.version_info >= (3, 12):
                    shutil.rmtree(path, onexc=lambda _f, p, _e: failed.append(p))
                else:  # pragma: no cover - 3.11
                    shutil.rmtree(path, onerror=lambda _f, p, _e: failed.append(p))
        if failed:
            log.error("client %s: %d file(s) of the index could not be removed", client.id, len(failed))
            raise ReflectError(
                f"the client's notes, roster and keys are erased, but {len(failed)} file(s) of their index could not be "
                f"removed: {', '.join(sorted(failed)[:3])}{' …' if len(failed) > 3 else ''}; remove them by hand"
            )
        log.info("client %s forgotten", client.id)

    def _remove_leftovers(self) -> None:
        """Copies of the store a crashed backup or restore left behind (they would still hold a
        forgotten client's sealed rows and key). Safe under the lock: no backup or restore is running."""
        from reflect.core import backup

        paths = self._ctx.paths
        if backup.pending(paths):  # never remove what an unfinished restore needs (recovered at open)
            return
        stale = [*paths.cache.glob("backup-*.db"), *paths.root.glob(".restore-*"), *paths.root.glob(".replaced-*")]
        stale = [p for p in stale if p.name != backup.JOURNAL]
        for path in stale:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        if stale:
            log.info("removed %d leftover copies of the store", len(stale))

    # doctor -------------------------------------------------------------------------------------
    def redaction_scan(self) -> list[DoctorCheck]:
        """Every stored redacted text, every passage the index was built from, and every recorded
        prompt checked against each client's current roster and map. Reports counts, never text."""
        ctx = self._ctx
        checks = []
        for c in ctx.store.clients():
            outbound = ctx.outbound(c.id)
            notes = ctx.store.notes(c.id)
            passages = [p for n in notes for p in ctx.passages(n)]
            leaks = sum(outbound.leaks(n.redacted) for n in notes)
            leaks += sum(outbound.leaks(row["text"]) for row in ctx.store.commitments(c.id))
            leaks += sum(outbound.leaks(g.text) for g in ctx.store.goals(c.id))
            found, _ = ctx.index(c).all()
            current = {(p.note_id, p.chunk): p.digest for p in passages}
            stale = sum(1 for p in found if current.get((p.note_id, p.chunk)) != p.digest)
            stale += len(set(current) - {(p.note_id, p.chunk) for p in found})
            prompts = sum(1 for row in ctx.store.prompts(c.id) if outbound.leaks(row["prompt"] or ""))
            detail = (f"{leaks} name(s) the roster or map knows found in stored redacted text; "
                      f"{stale} indexed passage(s) not computed from the current redacted text")
            fix = "; run 'reflect reindex'" if leaks or stale else ""
            checks.append(DoctorCheck(f"redaction {c.id}", not leaks and not stale, detail + fix))
            if prompts:
                checks.append(DoctorCheck(
                    f"prompts {c.id}", None,
                    f"{prompts} recorded prompt(s) were sent before a name in them was put on the roster ('reflect audit' marks them)",
                ))
        return checks

    def doctor(self) -> list[DoctorCheck]:
        from reflect.core.models import manifest, verified

        ctx, store = self._ctx, self._ctx.store
        checks = self.server_checks()
        index_ok = all(ch.ok is not False for ch in checks if ch.name.startswith("index server"))
        for key, asset in manifest().items():
            try:
                path = verified(key)
                checks.append(DoctorCheck(f"model {key}", True, f"{asset.name}: sha256 verified ({path})"))
            except ModelError as exc:
                checks.append(DoctorCheck(f"model {key}", False, str(exc)))
        if ctx.settings.model:
            model = Path(ctx.settings.model).expanduser()
            checks.append(DoctorCheck("model (configured)", model.is_file(), f"{model}" + ("" if model.is_file() else " does not exist")))
        checks.append(DoctorCheck("store integrity", store.integrity_ok(), f"{ctx.paths.db} (schema v{store.schema_version})"))
        for c in store.clients() if index_ok else []:
            expected = sum(len(ctx.passages(n)) for n in store.notes(c.id))
            index = ctx.index(c)
            actual, chunker = index.count(), index.chunker()
            ok = actual == expected and chunker == CHUNKER_VERSION
            detail = f"{actual} of {expected} passages indexed"
            if chunker != CHUNKER_VERSION:
                detail += f"; built with chunker v{chunker}, this reflect splits notes with v{CHUNKER_VERSION}"
            checks.append(DoctorCheck(f"index {c.id}", ok, detail + ("" if ok else "; run 'reflect reindex'")))
        if index_ok:
            checks.extend(self.redaction_scan())
        else:
            checks.append(DoctorCheck("index and redaction scan", None, "skipped: the index server cannot be used (see above)"))
        mode = ctx.paths.root.stat().st_mode & 0o777
        checks.append(DoctorCheck("data directory permissions", mode & 0o077 == 0, f"{oct(mode)} on {ctx.paths.root}"))
        loose = [p for p in ctx.paths.root.glob("reflect.db*") if p.stat().st_mode & 0o077]
        checks.append(DoctorCheck(
            "store file permissions", not loose,
            "reflect.db and its WAL files are private (0600)" if not loose else f"readable by others: {', '.join(p.name for p in loose)}",
        ))
        for name, why, ok in hardening.report():
            checks.append(DoctorCheck(f"offline: {name}", ok, why))
        checks.append(self._encryption())
        return checks

    def server_checks(self) -> list[DoctorCheck]:
        """The mode, and for each server: its address allowed by the policy, and reachable. No
        traffic goes to an address the policy refuses; reports never carry a token."""
        from reflect.core.credentials import token_source

        ctx = self._ctx
        components = ctx.components
        settings = ctx.settings
        checks = [DoctorCheck("mode", True, components.mode + ("" if settings.model_url or settings.index_url else "; nothing uses the network"))]
        if settings.model_url:
            try:
                endpoint = components.model_endpoint()
                checks.append(DoctorCheck("model server address", True, _allowed(endpoint)))
                try:
                    detail = getattr(components.llm, "reachable", lambda: "answers")()
                    checks.append(DoctorCheck("model server reachable", True, f"{detail}; token: {token_source('model')}"))
                except ReflectError as exc:
                    checks.append(DoctorCheck("model server reachable", False, str(exc)))
            except ReflectError as exc:
                checks.append(DoctorCheck("model server address", False, str(exc)))
        if settings.index_url:
            try:
                endpoint = components.index_endpoint()
                checks.append(DoctorCheck("index server address", True, _allowed(endpoint)))
                try:
                    client, _ = components.index_server()
                    client.heartbeat()
                    checks.append(DoctorCheck(
                        "index server reachable", True,
                        f"{endpoint.url} answers; {len(client.list_collections())} collection(s) there in all; token: {token_source('index')}",
                    ))
                except ReflectError as exc:
                    checks.append(DoctorCheck("index server reachable", False, str(exc)))
                except Exception as exc:  # noqa: BLE001 - the server's own failure, as one line
                    from reflect.core.index_server import server_error

                    checks.append(DoctorCheck("index server reachable", False, str(server_error(endpoint, "answer", exc))))
            except ReflectError as exc:
                checks.append(DoctorCheck("index server address", False, str(exc)))
        return checks

    def _encryption(self) -> DoctorCheck:
        from reflect.core.crypto import KdfParams

        store = self._ctx.store
        info = store.key_info()
        if not info:
            return DoctorCheck("encryption at rest", False, "this practice has no passphrase; run 'reflect init'")
        params = KdfParams.from_json(info["params"])
        sealed = store.sealed_check()
        return DoctorCheck(
            "encryption at rest", sealed is None,
            f"AES-256-GCM, per-client keys; {info['kdf']} {params.memory_kib // 1024} MiB, {params.iterations} passes, "
            f"{params.lanes} lanes; passphrase set {info['created']}" + (f", changed {info['changed']}" if info["changed"] else "")
            + ("" if sealed is None else f"; {sealed}"),
        )
