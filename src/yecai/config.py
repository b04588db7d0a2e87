"""Settings from the environment. SQLite in the data directory is the embedded default."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def data_dir() -> Path:
    path = Path(os.environ.get("YECAI_DATA_DIR") or Path.home() / ".yecai").expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url() -> str:
    url = os.environ.get("YECAI_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{data_dir() / 'yecai.db'}"


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    secret_key: str


def secret_key() -> str:
    """A per-installation secret for signing session cookies and tokens, kept in the data dir."""
    env = os.environ.get("YECAI_SECRET_KEY")
    if env:
        return env
    path = data_dir() / "secret.key"
    if not path.exists():
        import secrets

        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
