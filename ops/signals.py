"""Log lines written while a Celery task runs in a worker carry its task id as ``request_id``.

A task run eagerly inside a request (the embedded mode) keeps the request's id instead.
"""

from __future__ import annotations

import contextlib

from celery.signals import task_postrun, task_prerun

from oceanis.logging_context import bind_request_id, current_request_id, unbind

_bound: dict[str, tuple] = {}


@task_prerun.connect(dispatch_uid="ops.bind_task_id")
def _bind_task_id(task_id=None, **kwargs) -> None:
    if task_id and not current_request_id():
        _bound[task_id] = bind_request_id(task_id)


@task_postrun.connect(dispatch_uid="ops.unbind_task_id")
def _unbind_task_id(task_id=None, **kwargs) -> None:
    tokens = _bound.pop(task_id, None)
    if tokens is not None:
        # Bound in another context (a thread pool): nothing of ours to restore in this one.
        with contextlib.suppress(ValueError):
            unbind(tokens)
