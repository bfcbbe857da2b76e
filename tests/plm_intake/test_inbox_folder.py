"""The watched inbox folder on real directories: settled files are submitted and moved,
files still being written are left alone, refusals are kept (inbox, dead letter, sidecar)
and replayable, and a crash between submit and move repeats as a duplicate."""

from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path

import pytest

from plmsync.engine import replay
from plmsync.engine.inbox_folder import InboxFolder, Taken
from plmsync.importers.dispatch import ImportRequest, import_file
from plmsync.persistence import SqlStore
from plmsync.pipeline.fetch import parse_package
from plmsync.testing.packages import load_sample, renumber

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
HACKRF_2014 = SHARED / "hackrf_one_bom" / "hackrf-one-bom_2014-03-16_453998d7.csv"
SETTLE = 2.0


class Clock:
    """Seconds since the epoch, moved by hand: `now` starts at the real time."""

    def __init__(self) -> None:
        import time

        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    return tmp_path / "inbox"


def folder(inbox: Path, store: SqlStore, clock: Clock) -> InboxFolder:
    return InboxFolder(inbox, store, settle_seconds=SETTLE, plants=("US01",), clock=clock)


def drop(path: Path, data: bytes, clock: Clock) -> None:
    """Write a file whose modification time is the test clock's now."""
    path.write_bytes(data)
    os.utime(path, (clock.now, clock.now))


def release_bytes() -> bytes:
    return load_sample("gp40_release.json").model_dump_json().encode()


def test_a_settled_change_package_is_submitted_and_moved_to_processed(
    inbox: Path, store: SqlStore, clock: Clock
) -> None:
    watched = folder(inbox, store, clock)
    drop(inbox / "rel-0007.json", release_bytes(), clock)
    assert watched.scan() == []  # just written: not settled yet
    clock.now += SETTLE
    (taken,) = watched.scan()
    assert not taken.rejected
    assert taken.received.event.change_number == "REL-0007"
    assert len(taken.received.jobs) == 2  # the sample names US01 and DE01
    assert taken.moved_to == inbox / "processed" / f"{taken.received.event.id}-rel-0007.json"
    assert taken.moved_to.read_bytes() == release_bytes()
    assert not (inbox / "rel-0007.json").exists()
    assert list((inbox / ".processing").iterdir()) == []


def test_a_file_still_being_written_is_left_until_it_settles(
    inbox: Path, store: SqlStore, clock: Clock
) -> None:
    watched = folder(inbox, store, clock)
    payload = release_bytes()
    target = inbox / "slow-copy.json"
    drop(target, payload[: len(payload) // 2], clock)
    clock.now += SETTLE - 0.5
    assert watched.scan() == []  # half a file, modified 1.5 s ago
    with target.open("ab") as rest:
        rest.write(payload[len(payload) // 2 :])
    os.utime(target, (clock.now, clock.now))  # the writer touched it just now
    clock.now += SETTLE - 0.5
    assert watched.scan() == []  # complete, but modified 1.5 s ago: not settled
    clock.now += 1.0
    (taken,) = watched.scan()
    assert not taken.rejected
    assert taken.moved_to.read_bytes() == payload


@pytest.mark.parametrize(
    "name", [".hidden.json", "~$bom.xlsx", "bom.csv.part", "x.json.tmp", "y.crdownload"]
)
def test_names_writers_use_while_writing_are_never_taken(
    inbox: Path, store: SqlStore, clock: Clock, name: str
) -> None:
    watched = folder(inbox, store, clock)
    (inbox / name).write_bytes(release_bytes())
    clock.now += 3600
    assert watched.scan() == []
    assert (inbox / name).exists()


def test_a_real_bom_export_is_imported_for_the_folders_plants(
    inbox: Path, store: SqlStore, clock: Clock
) -> None:
    if not HACKRF_2014.is_file():
        pytest.skip(f"the shared data is not at {HACKRF_2014}")
    watched = folder(inbox, store, clock)
    drop(inbox / HACKRF_2014.name, HACKRF_2014.read_bytes(), clock)  # into the tmp dir
    clock.now += SETTLE
    (taken,) = watched.scan()
    assert not taken.rejected
    stored = parse_package(store.raw_payload(taken.received.event.id))
    # The folder must submit exactly what `plmsync import` makes of the file (the importers'
    # own tests check that against counts taken from the file) for the folder's plants.
    expected = import_file(ImportRequest(HACKRF_2014, plants=("US01",))).package
    assert stored.boms == expected.boms
    assert {i.number for i in stored.items} == {i.number for i in expected.items}
    assert [p.plant for p in stored.change.plants] == ["US01"]
    assert [job.plant for job in taken.received.jobs] == ["US01"]


def test_a_file_that_cannot_be_imported_is_kept_rejected_with_a_sidecar(
    inbox: Path, store: SqlStore, clock: Clock
) -> None:
    watched = folder(inbox, store, clock)
    junk = b"\x00\x01\x02 not a BOM at all \xff\xfe"
    drop(inbox / "junk.csv", junk, clock)
    clock.now += SETTLE
    (taken,) = watched.scan()
    assert taken.rejected
    event = taken.received.event
    assert event.error_code.startswith("PLMSYNC-IMPORT-")
    assert store.raw_payload(event.id) == junk  # the original bytes, replayable
    (letter,) = store.dead_letters()
    assert letter.event == event.id
    assert taken.moved_to == inbox / "rejected" / f"{event.id}-junk.csv"
    sidecar = json.loads(Path(f"{taken.moved_to}.error.json").read_text(encoding="utf-8"))
    assert (sidecar["file"], sidecar["code"], sidecar["inbox_event"]) == (
        "junk.csv",
        event.error_code,
        event.id,
    )
    assert sidecar["dead_letters"] == [letter.id]
    assert sidecar["message"] and sidecar["remedy"]
    # Replayed with a corrected payload, it becomes a change like any other.
    replayed = replay.replay(store, letter.id, payload=release_bytes(), by="tester")
    assert replayed.received is not None and len(replayed.received.jobs) == 2


def test_a_broken_change_package_is_rejected_with_its_problems(
    inbox: Path, store: SqlStore, clock: Clock
) -> None:
    watched = folder(inbox, store, clock)
    broken = json.loads(release_bytes())
    del broken["change"]["kind"]
    broken["items"][0]["uom"] = ""
    drop(inbox / "broken.json", json.dumps(broken).encode(), clock)
    clock.now += SETTLE
    (taken,) = watched.scan()
    assert taken.rejected
    assert taken.received.event.change_number == "REL-0007"  # found by its envelope
    sidecar = json.loads(Path(f"{taken.moved_to}.error.json").read_text(encoding="utf-8"))
    assert sidecar["code"] == "PLMSYNC-PACKAGE-INVALID"
    assert len(sidecar["problems"]) == 2  # the two edits above
    assert any("change.kind" in p for p in sidecar["problems"])


def test_the_same_file_dropped_twice_is_a_duplicate(
    inbox: Path, store: SqlStore, clock: Clock
) -> None:
    watched = folder(inbox, store, clock)
    drop(inbox / "rel.json", release_bytes(), clock)
    clock.now += SETTLE
    (first,) = watched.scan()
    drop(inbox / "rel.json", release_bytes(), clock)
    clock.now += SETTLE
    (second,) = watched.scan()
    assert second.received.duplicate and second.received.jobs == ()
    assert second.received.event.duplicate_of == first.received.event.id
    assert sorted(p.name for p in (inbox / "processed").iterdir()) == sorted(
        [first.moved_to.name, second.moved_to.name]
    )


def test_a_crash_between_submit_and_move_repeats_as_a_duplicate(
    inbox: Path, store: SqlStore, clock: Clock
) -> None:
    watched = folder(inbox, store, clock)
    drop(inbox / "rel.json", release_bytes(), clock)
    clock.now += SETTLE
    (first,) = watched.scan()
    # As if the process died after submitting: the file is still in .processing/.
    shutil.copy(first.moved_to, inbox / ".processing" / "rel.json")
    restarted = InboxFolder(inbox, store, settle_seconds=SETTLE, abandoned_seconds=60, clock=clock)
    assert restarted.scan() == []  # claimed a moment ago: perhaps by a watcher still at work
    clock.now += 60
    (again,) = restarted.scan()
    assert again.received.duplicate
    assert len(store.jobs(change_number="REL-0007")) == 2  # no second sync


def test_watchers_scanning_at_once_take_each_file_once(
    inbox: Path, store: SqlStore, clock: Clock
) -> None:
    """Two watchers (as two processes would be) on one folder, three threads each."""
    watchers = [folder(inbox, store, clock), folder(inbox, store, clock)]
    names = [f"eco-{n:02d}.json" for n in range(12)]
    for n, name in enumerate(names):
        package = renumber(load_sample("gp40_release.json"), f"ECO-W{n:02d}")
        source = package.source.model_copy(update={"event_id": f"evt-w{n:02d}"})
        package = package.model_copy(update={"source": source})  # twelve distinct events
        drop(inbox / name, package.model_dump_json().encode(), clock)
    clock.now += SETTLE
    taken: list[Taken] = []
    threads = [
        threading.Thread(target=lambda w=w: taken.extend(w.scan()))
        for w in watchers
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(t.name for t in taken) == names
    assert all(not t.received.duplicate for t in taken)
    assert len(list((inbox / "processed").iterdir())) == len(names)
    assert list(inbox.glob("*.json")) == []


def test_a_file_named_like_one_still_processing_waits_its_turn(
    inbox: Path, store: SqlStore, clock: Clock
) -> None:
    watched = folder(inbox, store, clock)
    # Another watcher is still working on a file of this name in .processing/.
    (inbox / ".processing" / "rel.json").write_bytes(b"{}")
    drop(inbox / "rel.json", release_bytes(), clock)
    clock.now += SETTLE
    assert watched.scan() == []
    assert (inbox / "rel.json").read_bytes() == release_bytes()  # not overwritten, not lost
