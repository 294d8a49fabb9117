"""Turn the expected failures of a command into the CLI's one-line errors."""
from __future__ import annotations

import functools
from typing import Callable


def friendly(expected: Callable[[], tuple[type[BaseException], ...]]):
    """Decorator: exceptions of the types `expected()` returns (imported lazily, so the
    CLI starts fast) are re-raised as StepError, which main() prints on one line."""
    def decorate(func):
        @functools.wraps(func)
        def wrapper(args):
            from pipelines.steps import StepError
            try:
                return func(args)
            except expected() as exc:
                raise StepError(str(exc)) from None
        return wrapper
    return decorate
