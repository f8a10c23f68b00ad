"""Lifecycles as explicit state machines.

Each lifecycle is a :class:`Lifecycle` enum that lists, for every state, the states it may
move to. :meth:`Lifecycle.to` returns the new state or raises
:class:`~deconfliction.errors.IllegalTransition`; nothing changes state any other way.

>>> class Door(Lifecycle):
...     OPEN = "open"
...     SHUT = "shut"
...     @classmethod
...     def table(cls):
...         return {cls.OPEN: {cls.SHUT}, cls.SHUT: {cls.OPEN}}
>>> Door.OPEN.to(Door.SHUT)
<Door.SHUT: 'shut'>
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from enum import StrEnum
from typing import Self

from deconfliction.errors import IllegalTransition


class Lifecycle(StrEnum):
    """An enum of states that knows which transitions are legal."""

    @classmethod
    def table(cls) -> Mapping[Self, Set[Self]]:
        """For each state, the states it may move to (terminal states map to nothing)."""
        raise NotImplementedError

    @property
    def successors(self) -> Set[Self]:
        return self.table().get(self, frozenset())

    @property
    def terminal(self) -> bool:
        return not self.successors

    def can_become(self, target: Self) -> bool:
        return target in self.successors

    def to(self, target: Self) -> Self:
        """The target state, if this state may move to it; otherwise raise."""
        if target not in self.successors:
            label = type(self).__name__
            allowed = ", ".join(sorted(self.successors)) or "nothing (it is final)"
            raise IllegalTransition(
                f"{label} cannot go from {self.value!r} to {target.value!r}; "
                f"from {self.value!r} it may go to {allowed}"
            )
        return target
