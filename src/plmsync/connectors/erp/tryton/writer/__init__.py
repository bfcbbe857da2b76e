"""Posting steps to Tryton: one writer per kind, called in the order kinds depend on."""

from __future__ import annotations

from collections.abc import Sequence

from plmsync.connectors.erp.tryton.writer.boms import stage_boms, write_boms
from plmsync.connectors.erp.tryton.writer.context import WriteContext, Writer
from plmsync.connectors.erp.tryton.writer.documents import write_documents
from plmsync.connectors.erp.tryton.writer.items import stage_items, write_items
from plmsync.connectors.erp.tryton.writer.routings import stage_routings, write_routings
from plmsync.connectors.erp.tryton.writer.sources import write_sources
from plmsync.domain.errors import RejectedError
from plmsync.domain.plan import Action, Step
from plmsync.domain.state import ObjectKind, state_of
from plmsync.pipeline.stage import is_stageable
from plmsync.ports.erp import Posting

__all__ = ["WriteContext", "referenced_items", "stage_steps", "write_steps"]

# ObjectKind lists kinds in posting order: items before the BOMs that use them, BOMs before
# the routings Tryton hangs on them.
WRITERS: dict[ObjectKind, Writer] = {
    ObjectKind.ITEM: write_items,
    ObjectKind.BOM: write_boms,
    ObjectKind.ROUTING: write_routings,
    ObjectKind.DOCUMENT: write_documents,
    ObjectKind.SOURCE: write_sources,
}


# Staging prepares what production does not see yet: new items, BOM and routing revisions
# that are not in use (see plmsync.pipeline.stage).
STAGERS: dict[ObjectKind, Writer] = {
    ObjectKind.ITEM: stage_items,
    ObjectKind.BOM: stage_boms,
    ObjectKind.ROUTING: stage_routings,
}


def write_steps(context: WriteContext, steps: Sequence[Step]) -> list[Posting]:
    """Post every actionable step, kind by kind, each kind in bulk."""
    actionable = [step for step in steps if step.action is not Action.UNCHANGED]
    return _by_kind(context, actionable, WRITERS)


def stage_steps(context: WriteContext, steps: Sequence[Step]) -> list[Posting]:
    """Prepare the stageable steps; the others wait for `write_steps` at activation."""
    return _by_kind(context, [step for step in steps if is_stageable(step)], STAGERS)


def _by_kind(
    context: WriteContext, steps: list[Step], writers: dict[ObjectKind, Writer]
) -> list[Posting]:
    postings: list[Posting] = []
    for kind in ObjectKind:
        batch = [step for step in steps if step.kind is kind]
        if batch and kind in writers:
            postings += _write_kind(writers[kind], batch, context)
    return postings


def _write_kind(writer: Writer, batch: list[Step], context: WriteContext) -> list[Posting]:
    try:
        return writer(context, batch)
    except RejectedError as rejected:
        # A bulk call cannot say which record Tryton refused; name it when it is clear.
        if not rejected.object_key and len(batch) == 1:
            rejected.object_key = batch[0].key
        raise


def referenced_items(steps: Sequence[Step]) -> frozenset[str]:
    """Every item number the steps touch (parents, components, linked items)."""
    wanted = state_of([step.desired for step in steps if step.desired is not None])
    known = state_of([step.current for step in steps if step.current is not None])
    return wanted.item_numbers | known.item_numbers
