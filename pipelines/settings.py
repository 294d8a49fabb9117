"""Pipeline settings: where the archive lives and where crawls stage their WARCs."""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from spiders.siteconfig import SITES_DIR

from newsarchive import environment

from pipelines.store import Store, open_store


@dataclass(frozen=True)
class PipelineSettings:
    store_uri: str = "./archive"
    staging_dir: Path = Path("./staging")
    sites_dir: Path = SITES_DIR

    @classmethod
    def from_env(cls, **overrides) -> "PipelineSettings":
        """From the NEWSARCHIVE_* variables (newsarchive/environment.py); `overrides` that are
        not None win (command-line options)."""
        settings = cls(
            store_uri=environment.value("NEWSARCHIVE_STORE"),
            staging_dir=Path(environment.value("NEWSARCHIVE_STAGING_DIR")),
            sites_dir=Path(environment.value("NEWSARCHIVE_SITES_DIR") or SITES_DIR),
        )
        return replace(settings, **{k: v for k, v in overrides.items() if v is not None})

    def run_dir(self, site: str, run_id: str) -> Path:
        """Where one run's WARCs wait for upload."""
        return self.staging_dir / site / run_id


def open_checked_store(settings: PipelineSettings) -> Store:
    """The settings' store, proven reachable and writable (StoreError, one line, if not)."""
    store = open_store(settings.store_uri)
    store.check()
    return store
