"""The journal: the hub's public key, the entries a party may read, checkpoints on demand."""

from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from deconfliction.api.deps import CallerDep, HubDep
from deconfliction.api.params import MAX_SEQ
from deconfliction.api.schemas import CheckpointOut, ErrorOut, HubKeyOut
from deconfliction.journal.signing import public_key_pem
from deconfliction.model.codec import dump

router = APIRouter(tags=["journal"], responses={401: {"model": ErrorOut}})

NDJSON = "application/x-ndjson"
HEAD_HEADER = "X-Deconfliction-Journal-Head"


@router.get("/journal/key", response_model=HubKeyOut)
def hub_key(hub: HubDep) -> HubKeyOut:
    """The hub's public key, which signs every journal checkpoint (needs no credential).
    A reviewer should also obtain it independently, from the hub's operator."""
    return HubKeyOut(
        algorithm="ed25519",
        public_key=hub.journal.public_key_b64,
        key_id=hub.journal.key_id,
        pem=public_key_pem(hub.journal.public_key).decode("ascii"),
    )


@router.get(
    "/journal",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "JSON lines (`application/x-ndjson`) in the export format of "
            "docs/journal.md: a header, then the entries, each checkpoint after the entry at "
            "its seq.",
            "content": {NDJSON: {"schema": {"type": "string"}}},
        }
    },
)
async def journal_page(
    hub: HubDep,
    caller: CallerDep,
    after: int = Query(
        0, ge=0, le=MAX_SEQ, description="Return entries after this seq (0: from the start)."
    ),
    limit: int = Query(
        10_000, ge=1, le=100_000, description="Most entries returned; page on with `after`."
    ),
) -> StreamingResponse:
    """The journal as the caller may read it, as JSON lines that `tools/verify_journal.py`
    verifies: the caller's own entries and those addressed to it, and the hub's and
    parties' keys, in full; every other entry as its seq, time and hashes only, so that the
    chain still links. The header line names `to_seq` (the last entry in this answer),
    `head_seq` and the `latest_checkpoint`; ask again with `after=to_seq` until `to_seq`
    reaches `head_seq`. To get a checkpoint that covers your latest entry, first
    `POST /v1/journal/checkpoints`. The admin reads the journal in full. Entries the hub has
    archived (setting `journal_online_s`) are no longer served: an answer starts at the
    first entry still online (its header's `from_seq`); the operator holds the archive."""
    party = None if caller.admin else caller.name
    page = await run_in_threadpool(hub.journal.page, party, after, limit)
    return StreamingResponse(
        page.lines(), media_type=NDJSON, headers={HEAD_HEADER: str(page.head_seq)}
    )


@router.post("/journal/checkpoints", response_model=CheckpointOut)
def sign_checkpoint(hub: HubDep, _: CallerDep) -> CheckpointOut:
    """Have the hub sign the journal's head now (any party or the admin). If the head has
    not moved since the latest checkpoint, that one is returned."""
    return CheckpointOut(**dump(hub.journal.checkpoint(hub.now())))
