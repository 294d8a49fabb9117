"""The replay server's process: pywb and the research page on one port.

    python -m pipelines.research.serve --port 8080 --store ./archive   (in pywb's folder)

Run by pipelines.warc.replay.ReplayServer in the folder holding pywb's config.yaml. gevent
patches the interpreter first, as pywb's own `wayback` does; requests under /research/ go
to the research page, every other one to pywb. The access rules of the takedowns are
rewritten when the takedowns table changes (pywb reads the file on each lookup): the table
is looked at every NEWSARCHIVE_REPLAY_REFRESH_SECONDS (default 10)."""
from gevent.monkey import patch_all; patch_all()     # noqa: E702,I001  (before anything else)

import argparse                # noqa: E402
import os                      # noqa: E402
import logging                 # noqa: E402
from pathlib import Path       # noqa: E402

import gevent                  # noqa: E402

log = logging.getLogger("newsarchive.replay")


class Dispatcher:
    """/research/... to the research page, the rest to pywb."""

    def __init__(self, pywb_app, research, acl: Path):
        self.pywb_app, self.research, self.acl = pywb_app, research, acl

    def __call__(self, environ, start_response):
        from pipelines.research.app import PREFIX

        try:
            self.research.refresh(on_takedowns_change=self._write_acl)
        except Exception:              # noqa: BLE001 - the rules in force stay; tried again soon
            log.warning("could not read takedowns or the search index again", exc_info=True)
        path = environ.get("PATH_INFO", "")
        if path == PREFIX or path.startswith(PREFIX + "/"):
            return self.research(environ, start_response)
        return self.pywb_app(environ, start_response)

    def _write_acl(self) -> None:
        from pipelines.access.withholding import refresh_acl

        refresh_acl(self.research.store, self.acl)


def _exit_with_parent(parent: int) -> None:
    """No server left behind when `newsarchive replay` is killed without a chance to stop it."""
    while os.getppid() == parent:
        gevent.sleep(1)
    os._exit(0)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bind", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--store", required=True)
    parser.add_argument("--acl", type=Path, required=True, help="the ACL file named in config.yaml")
    args = parser.parse_args(argv)
    logging.basicConfig(format="%(asctime)s: [%(levelname)s]: %(message)s", level=logging.INFO)

    from pywb.apps.frontendapp import FrontEndApp
    from pywb.utils.geventserver import GeventServer, RequestURIWSGIHandler

    from newsarchive.environment import value
    from pipelines.research.app import ResearchApp
    from pipelines.store import open_store

    refresh = value("NEWSARCHIVE_REPLAY_REFRESH_SECONDS")
    app = Dispatcher(FrontEndApp(), ResearchApp(open_store(args.store), refresh), args.acl)
    gevent.spawn(_exit_with_parent, os.getppid())
    GeventServer(app, port=args.port, hostname=args.bind, handler_class=RequestURIWSGIHandler, direct=True)


if __name__ == "__main__":
    main()
