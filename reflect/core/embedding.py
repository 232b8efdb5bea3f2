"""Embeddings: text -> unit vectors, behind a small interface.

``MiniLMEmbedder`` runs all-MiniLM-L6-v2 (int8 ONNX) on onnxruntime with the ``tokenizers`` WordPiece
tokenizer: mean pooling over ``last_hidden_state`` with the attention mask, then L2 normalisation,
truncation at 256 word pieces; no PyTorch. ``HashEmbedder`` is a deterministic fake for unit tests.
Only redacted text is ever passed in (the caller is the pipeline, after the redaction gate).
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np

DIMENSIONS = 384
MAX_TOKENS = 256


class Embedder(Protocol):
    dimensions: int

    def embed(self, texts: list[str]) -> "np.ndarray":
        """Return a (len(texts), dimensions) float32 array of unit vectors."""
        ...


class MiniLMEmbedder:
    """The default embedder; files verified against the manifest before loading."""

    dimensions = DIMENSIONS

    def __init__(self, threads: int = 2, batch_size: int = 16):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        from reflect.core.models import verified

        self.tokenizer = Tokenizer.from_file(str(verified("tokenizer")))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # Idle worker threads must sleep, not spin: redaction runs beside embedding on the same cores.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(
            str(verified("embedding")), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self.input_names = {i.name for i in self.session.get_inputs()}
        self.batch_size = batch_size

    def embed(self, texts: list[str]) -> "np.ndarray":
        import numpy as np

        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        out = []
        # Sort by length so each batch pads little; restore the order at the end.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for b in range(0, len(order), self.batch_size):
            batch = [texts[i] for i in order[b : b + self.batch_size]]
            encodings = self.tokenizer.encode_batch(batch)
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self.input_names:
                feeds["token_type_ids"] = np.zeros_like(ids)
            hidden = self.session.run(None, feeds)[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
            out.append(pooled.astype(np.float32))
        stacked = np.concatenate(out)
        result = np.empty_like(stacked)
        result[order] = stacked
        return result


class HashEmbedder:
    """A deterministic fake: bag of hashed words, so texts sharing words are similar. For unit tests."""

    dimensions = 64

    def embed(self, texts: list[str]) -> "np.ndarray":
        import numpy as np

        vectors = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                bucket = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "little")
                vectors[row, bucket % self.dimensions] += 1.0
            norm = np.linalg.norm(vectors[row])
            if norm:
                vectors[row] /= norm
        return vectors
