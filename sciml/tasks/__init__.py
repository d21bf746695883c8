"""Task kinds, one module each, registered in ``TASKS``: field, operator, dynamics, regression."""

from sciml.tasks import dynamics, field, operator, regression  # noqa: F401  (registers them)
from sciml.tasks.base import TASKS, Task

__all__ = ["TASKS", "Task"]
