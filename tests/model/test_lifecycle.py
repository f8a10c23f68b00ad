import pytest

from deconfliction.errors import IllegalTransition
from deconfliction.model import AlertState, IncidentState, MessageState, OperationState


def test_legal_transitions() -> None:
    assert AlertState.OPEN.to(AlertState.ACKNOWLEDGED) is AlertState.ACKNOWLEDGED
    assert OperationState.ACTIVATED.to(OperationState.NONCONFORMING) is OperationState.NONCONFORMING
    assert MessageState.OVERDUE.to(MessageState.ESCALATED) is MessageState.ESCALATED
    assert IncidentState.OPEN.to(IncidentState.UNDER_REVIEW) is IncidentState.UNDER_REVIEW


def test_illegal_transition_names_both_states() -> None:
    with pytest.raises(IllegalTransition, match=r"from 'resolved' to 'open'.*it is final"):
        AlertState.RESOLVED.to(AlertState.OPEN)
    with pytest.raises(IllegalTransition, match="may go to"):
        IncidentState.CLOSED.to(IncidentState.OPEN)


@pytest.mark.parametrize("lifecycle", [AlertState, OperationState, MessageState, IncidentState])
def test_every_state_is_reachable_or_initial_and_tables_stay_inside(lifecycle: type) -> None:
    table = lifecycle.table()
    targets = {t for successors in table.values() for t in successors}
    assert targets <= set(lifecycle)
    initial = [s for s in lifecycle if s not in targets]
    assert len(initial) == 1, f"{lifecycle.__name__} should have exactly one initial state"
    assert any(s.terminal for s in lifecycle)
