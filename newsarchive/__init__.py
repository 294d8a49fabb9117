"""What the crawl side (spiders/) and the pipeline (pipelines/) share: the exception tree
(`newsarchive.errors`) and every NEWSARCHIVE_* environment variable (`newsarchive.environment`).
It imports nothing of the project, so both sides and the DAG files can import it."""
