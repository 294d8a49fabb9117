"""Bundled demo news site, served on localhost for the demo and the tests."""
from .content import DemoArticle, build_articles
from .server import DemoSite, serve

__all__ = ["DemoArticle", "DemoSite", "build_articles", "serve"]
