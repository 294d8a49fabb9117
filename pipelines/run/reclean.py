"""Re-run cleaning over stored WARCs, fetching nothing, with today's extractor.

The new rows carry the new extractor version beside the old ones, which stay
readable, so the two outputs can be compared; versions are numbered per
extractor by walking every capture in time order. The site's latest stored
template is used as it is (or `template_version`), so a reclean gives the same
text twice; a site without one gets its first version learnt from its WARCs."""
from __future__ import annotations

from typing import Callable

from spiders.siteconfig import SiteDefinition

from pipelines.archive.writer import Archive, PublishResult
from pipelines.clean.sitetemplate import TemplateStore
from pipelines.clean.step import clean_warcs
from pipelines.store import Store
from pipelines.warc.verify import stored_warc_keys


def reclean(store: Store, site: SiteDefinition, run_id: str,
            progress: Callable | None = None, template_version: int | None = None) -> PublishResult:
    keys = stored_warc_keys(store, site.name)
    if template_version is None:
        versions = TemplateStore(store).versions(site.name)
        template_version = versions[-1] if versions else None
    result = clean_warcs(store, keys, site, run_id, progress=progress, template_version=template_version)
    # captures are already in the archive; only the articles are new
    return Archive(store).publish(site.name, run_id, [], result.articles)
