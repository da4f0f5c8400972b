"""A llama-architecture causal language model evaluated with numpy (no deep-learning framework).

Only what scoring needs: a full-sequence forward pass over a right-padded batch that returns, for every
position, log P(next token | tokens so far). Grouped-query attention, rotary position embeddings in the
GGUF layout (adjacent pairs), RMS norms, a SwiGLU feed-forward block and an output projection tied to the
embedding.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from unspin.neural.weights import Weights

# Rows of the output projection computed at once: bounds the (rows × vocabulary) logits buffer.
_LOGIT_ROWS = 256


class LlamaModel:
    def __init__(self, weights: Weights):
        self.w = weights
        hyper = weights.hyper
        half = hyper.head_dim // 2
        self._inv_freq = hyper.rope_base ** (-np.arange(half, dtype=np.float64) * 2.0 / hyper.head_dim)

    def _rms_norm(self, x: np.ndarray, weight: np.ndarray) -> np.ndarray:
        scale = 1.0 / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + self.w.hyper.norm_eps)
        return (x * scale) * weight

    @staticmethod
    def _rotate(x: np.ndarray, cos: np.ndarray, sin: np.ndarray) -> np.ndarray:
        """Rotate adjacent pairs (x0, x1), (x2, x3), … by the position's angles. The result keeps the
        even components first and the odd ones after: attention only takes dot products between queries
        and keys, which the same reordering of both leaves unchanged."""
        even, odd = x[..., 0::2], x[..., 1::2]
        c, s = cos[:, :, None, :], sin[:, :, None, :]
        return np.concatenate([even * c - odd * s, even * s + odd * c], axis=-1)

    def _layers(
        self,
        x: np.ndarray,
        positions: np.ndarray,
        key_mask: np.ndarray,
        past: list[tuple[np.ndarray, np.ndarray]] | None = None,
    ) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
        """Run every block over ``x`` (batch, length, width).

        ``positions`` (batch, length) are the rotary positions; ``key_mask`` (batch, keys) is 0 for keys
        that may be attended to and −inf for padding, over the past keys followed by the new ones;
        ``past`` holds per-layer (keys, values) of an earlier pass, already indexed by batch row. Returns
        the final hidden states (before the output norm) and this pass's per-layer keys and values.
        """
        hyper = self.w.hyper
        batch, length, _ = x.shape
        angles = positions[..., None].astype(np.float64) * self._inv_freq
        cos, sin = np.cos(angles).astype(np.float32), np.sin(angles).astype(np.float32)
        past_len = past[0][0].shape[1] if past else 0
        causal = np.triu(np.full((length, length), -np.inf, dtype=np.float32), k=1)
        mask = np.concatenate([np.zeros((length, past_len), dtype=np.float32), causal], axis=1)
        mask = mask[None, None] + key_mask[:, None, None, :]
        # Every position may see itself: a padding position would otherwise see nothing, and its NaNs
        # would reach real positions through later layers' (zero-weighted) values.
        diagonal = np.arange(length)
        mask[:, :, diagonal, past_len + diagonal] = 0.0
        group = hyper.heads // hyper.kv_heads
        scale = np.float32(1.0 / np.sqrt(hyper.head_dim))
        flat = x.reshape(batch * length, hyper.width)
        cache: list[tuple[np.ndarray, np.ndarray]] = []
        for n, layer in enumerate(self.w.layers):
            h = self._rms_norm(flat, layer.attn_norm)
            q = (h @ layer.q.T).reshape(batch, length, hyper.heads, hyper.head_dim)
            k = (h @ layer.k.T).reshape(batch, length, hyper.kv_heads, hyper.head_dim)
            v = (h @ layer.v.T).reshape(batch, length, hyper.kv_heads, hyper.head_dim)
            q, k = self._rotate(q, cos, sin), self._rotate(k, cos, sin)
            cache.append((k, v))
            if past:
                k = np.concatenate([past[n][0], k], axis=1)
                v = np.concatenate([past[n][1], v], axis=1)
            # Query head i reads key/value head i // group.
            k = np.repeat(k, group, axis=2)
            v = np.repeat(v, group, axis=2)
            scores = np.einsum("bqhd,bkhd->bhqk", q, k) * scale + mask
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            attended = np.einsum("bhqk,bkhd->bqhd", scores, v).reshape(batch * length, hyper.width)
            flat = flat + attended @ layer.o.T
            h = self._rms_norm(flat, layer.ffn_norm)
            gate = h @ layer.gate.T
            gate *= 1.0 / (1.0 + np.exp(-gate))  # SiLU
            gate *= h @ layer.up.T
            flat = flat + gate @ layer.down.T
        return self._rms_norm(flat, self.w.output_norm).reshape(batch, length, hyper.width), cache

    def next_token_logprobs(self, ids: np.ndarray) -> np.ndarray:
        """``ids`` (batch, length) → (batch, length − 1): log P(ids[:, t + 1] | ids[:, : t + 1]).

        Padding must come after a sequence's tokens; the causal mask keeps it out of every real position.
        """
        batch, length = ids.shape
        positions = np.broadcast_to(np.arange(length), (batch, length))
        hidden, _ = self._layers(self.w.embedding[ids], positions, np.zeros((batch, length), np.float32))
        width = self.w.hyper.width
        targets = ids[:, 1:].reshape(-1)
        return self._gather_logprobs(hidden[:, :-1].reshape(-1, width), targets).reshape(batch, length - 1)

    def continuation_logprobs(
        self,
        prefixes: Sequence[Sequence[int]],
        continuations: Sequence[tuple[int, Sequence[int]]],
        pad_id: int,
    ) -> list[np.ndarray]:
        """log P(token | prefix + earlier continuation tokens) for every token of every continuation.

        ``continuations`` are (prefix index, token ids) pairs. Each prefix is run once; its keys and values
        serve all of its continuations, which is what makes scoring several variants of one span cheap.
        """
        hyper = self.w.hyper
        longest = max(len(p) for p in prefixes)
        rows = len(prefixes)
        # Prefixes are left-padded so that every continuation follows its prefix's last real token.
        ids = np.full((rows, longest), pad_id, dtype=np.int64)
        key_mask = np.zeros((rows, longest), dtype=np.float32)
        positions = np.zeros((rows, longest), dtype=np.int64)
        for r, prefix in enumerate(prefixes):
            pad = longest - len(prefix)
            ids[r, pad:] = prefix
            key_mask[r, :pad] = -np.inf
            positions[r, pad:] = np.arange(len(prefix))
        hidden, cache = self._layers(self.w.embedding[ids], positions, key_mask)
        last = hidden[:, -1]  # predicts each continuation's first token
        owner = np.array([p for p, _ in continuations])
        lengths = [len(tokens) for _, tokens in continuations]
        width = max(lengths)
        cont = np.full((len(continuations), width), pad_id, dtype=np.int64)
        for r, (_, tokens) in enumerate(continuations):
            cont[r, : len(tokens)] = tokens
        prefix_lengths = np.array([len(prefixes[p]) for p in owner])
        cont_positions = prefix_lengths[:, None] + np.arange(width)[None, :]
        cont_mask = np.concatenate([key_mask[owner], np.zeros((len(owner), width), np.float32)], axis=1)
        past = [(k[owner], v[owner]) for k, v in cache]
        cont_hidden, _ = self._layers(self.w.embedding[cont], cont_positions, cont_mask, past)
        # Position t of a continuation is predicted from its position t − 1, the first from the prefix.
        predictors = np.concatenate([last[owner][:, None], cont_hidden[:, :-1]], axis=1)
        logprobs = self._gather_logprobs(predictors.reshape(-1, hyper.width), cont.reshape(-1))
        logprobs = logprobs.reshape(len(continuations), width)
        return [logprobs[r, :n] for r, n in enumerate(lengths)]

    def _gather_logprobs(self, hidden: np.ndarray, targets: np.ndarray) -> np.ndarray:
        out = np.empty(len(targets), dtype=np.float32)
        table = self.w.embedding
        for start in range(0, len(targets), _LOGIT_ROWS):
            logits = hidden[start : start + _LOGIT_ROWS] @ table.T
            top = logits.max(axis=1, keepdims=True)
            log_norm = np.log(np.exp(logits - top).sum(axis=1)) + top[:, 0]
            rows = np.arange(len(logits))
            out[start : start + len(logits)] = logits[rows, targets[start : start + _LOGIT_ROWS]] - log_norm
        return out

    def sequence_logprobs(self, sequences: Sequence[Sequence[int]], pad_id: int) -> list[np.ndarray]:
        """Per sequence, the log-probability of each token after the first (one batch, right-padded)."""
        length = max(len(s) for s in sequences)
        ids = np.full((len(sequences), length), pad_id, dtype=np.int64)
        for row, seq in enumerate(sequences):
            ids[row, : len(seq)] = seq
        logprobs = self.next_token_logprobs(ids)
        return [logprobs[row, : len(seq) - 1] for row, seq in enumerate(sequences)]
