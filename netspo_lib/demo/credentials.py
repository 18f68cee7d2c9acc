"""Password hashes of the demo accounts, deterministic for a seed.

Argon2 salts are normally random; here they are derived from the seed and the login so
that two builds with one seed are identical byte for byte. The 13 demo logins get the
library's default Argon2id strength (``netspo_lib.passwords.verify_password`` accepts
them with ``DEMO_PASSWORD``); the bulk accounts share one cheap hash of a random password
that nobody knows, computed once per build.
"""

from __future__ import annotations

import hashlib
import random
from functools import lru_cache

from argon2 import DEFAULT_HASH_LENGTH, DEFAULT_MEMORY_COST, DEFAULT_PARALLELISM, DEFAULT_TIME_COST
from argon2.low_level import Type, hash_secret

DEMO_PASSWORD = "Demo-2026-netspo"


def _salt(seed: int, label: str) -> bytes:
    return hashlib.sha256(f"netspo-demo/{seed}/{label}".encode()).digest()[:16]


@lru_cache(maxsize=256)
def demo_hash(seed: int, login: str) -> str:
    """A default-strength Argon2id hash of ``DEMO_PASSWORD`` with a seed-derived salt."""
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
