"""Password hashes of the demo accounts, deterministic for a seed.

Argon2 salts are normally random; here they are derived from the seed and the login so
that two builds with one seed are identical byte for byte. The 13 demo logins get the
library's default Argon2id strength (``netspo_lib.passwords.verify_password`` accepts
them with ``DEMO_PASSWORD``); the bulk accounts share one cheap hash of a random password
that nobody knows, computed once per build.

A default-strength hash costs a quarter of a second of CPU, and up to a second of wall
time on a busy machine (its four lanes run in threads): the 13 hashes of the default seed
(2025, the seed of ``netspo demo`` and the benchmarks) are kept below, computed once
(``tests/test_demo.py`` recomputes them); for another seed :class:`DemoHashes` computes
them in a background thread (Argon2 runs without the GIL) while the build plans the
college in Python.
"""

from __future__ import annotations

import base64
import hashlib
import random
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache

from argon2 import DEFAULT_HASH_LENGTH, DEFAULT_MEMORY_COST, DEFAULT_PARALLELISM, DEFAULT_TIME_COST
from argon2.low_level import ARGON2_VERSION, Type, hash_secret

DEMO_PASSWORD = "Demo-2026-netspo"


def _salt(seed: int, label: str) -> bytes:
    return hashlib.sha256(f"netspo-demo/{seed}/{label}".encode()).digest()[:16]


# The digests of ``compute_demo_hash(2025, login)`` at the parameters of ``_KNOWN_PARAMS``.
_KNOWN_SEED = 2025
_KNOWN_PARAMS = (Type.ID, 19, 65536, 3, 4, 32)  # type, version, memory, time, lanes, length
_KNOWN_DIGESTS = {
    "admin": "GZocfIDvCW+b8E3xiZm+c72KeLajkcKuEdUm3rod4xI",
    "engineer": "YQirrDeckfs0FTXRgcIip+Iy7pvP5fbXQgTV52Va25o",
    "kadry": "fQcJ9QZRjqN4bN5u2VPgOtaSPQLQ4zCfOlvMYEAF2w4",
    "zavuch": "NA/GYvb8JPVA61WTfJq3NytrJoWxRJdAQ+t5711lHbI",
    "zavotd": "tIY0tkEGDJQs84alh8IRg09cFfWu0s+ewpZ3CXFJtok",
    "pck": "DYyOaqSQk4+gc5DRbc0T6N/GJ2tVmQceLTYolYQYlQw",
    "curator": "BweaG06PoqaCQw1LLxqfFQv8bn2w8lkGBxHbPXjIjEE",
    "student": "nPVS28/Be95B3v35hg+LZj6azx5NnXKSqHwq1mfDmfI",
    "parent": "e4SlCV6/5/ibc7+oPoi4xrTwD+6OiZ4iM0LmtBAvZS0",
    "teacher": "mkaOvM/FMTHI62uTvne5hK1dcL1z/nLxoLlFriGyUkw",
    "zamdir": "kxXc4F49O30WaUn/BDSz+vRXaw/Bn4ZRQ07uiahAx/U",
    "director": "PDMtNJYQ2uAEnISITHGyMmxStAIJMo/pL1djLt2waZg",
    "metodist": "fXvKQr+aNMlLenVr5RelqchK6MXI13knmiZ+tBahm5o",
}


def _params() -> tuple[Type, int, int, int, int, int]:
    return (
        Type.ID,
        ARGON2_VERSION,
        DEFAULT_MEMORY_COST,
        DEFAULT_TIME_COST,
        DEFAULT_PARALLELISM,
        DEFAULT_HASH_LENGTH,
    )


def _known_hash(seed: int, login: str) -> str | None:
    """The stored hash, while the library's Argon2 defaults are those it was computed with."""
    digest = _KNOWN_DIGESTS.get(login) if seed == _KNOWN_SEED else None
    if digest is None or _params() != _KNOWN_PARAMS:
        return None
    salt = base64.b64encode(_salt(seed, login)).decode().rstrip("=")
    params = f"m={DEFAULT_MEMORY_COST},t={DEFAULT_TIME_COST},p={DEFAULT_PARALLELISM}"
    return f"$argon2id$v={ARGON2_VERSION}${params}${salt}${digest}"


def known_logins(seed: int) -> list[str]:
    """The logins whose hash for ``seed`` is stored (for the test that recomputes them)."""
    return [login for login in _KNOWN_DIGESTS if _known_hash(seed, login) is not None]


@lru_cache(maxsize=256)
def demo_hash(seed: int, login: str) -> str:
    """A default-strength Argon2id hash of ``DEMO_PASSWORD`` with a seed-derived salt."""
    return _known_hash(seed, login) or compute_demo_hash(seed, login)


def compute_demo_hash(seed: int, login: str) -> str:
    """:func:`demo_hash`, always computed."""
    return hash_secret(
        DEMO_PASSWORD.encode(),
        _salt(seed, login),
        time_cost=DEFAULT_TIME_COST,
        memory_cost=DEFAULT_MEMORY_COST,
        parallelism=DEFAULT_PARALLELISM,
        hash_len=DEFAULT_HASH_LENGTH,
        type=Type.ID,
    ).decode()


@lru_cache(maxsize=16)
def bulk_hash(seed: int) -> str:
    """A cheap Argon2id hash of a random (seeded) password shared by bulk accounts."""
    secret = "".join(
        random.Random(f"netspo-demo/{seed}/bulk").choices("abcdefghkmnpqrstuvwxyz23456789", k=16)
    )
    return hash_secret(
        secret.encode(),
        _salt(seed, "bulk"),
        time_cost=1,
        memory_cost=1024,
        parallelism=1,
        hash_len=DEFAULT_HASH_LENGTH,
        type=Type.ID,
    ).decode()


class DemoHashes:
    """The hashes of ``logins`` (:func:`demo_hash`), computed in a background thread from
    the start; :meth:`get` waits for one. :meth:`close` when the build ends (or fails)."""

    def __init__(self, seed: int, logins: Iterable[str]) -> None:
        self.seed = seed
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="netspo-demo-hash")
        self._futures: dict[str, Future[str]] = {
            login: self._pool.submit(demo_hash, seed, login)
            for login in logins
            if _known_hash(seed, login) is None
        }

    def get(self, login: str) -> str:
        future = self._futures.get(login)
        return future.result() if future is not None else demo_hash(self.seed, login)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
