"""Fixtures for the AMI bridge tests: recorded call sequences, folding them into rows, the AMI
stand-in server, and (for the database tests only) a CRM to call from."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from stack.config import StackConfig
from tests.ami_bridge.bridge_helpers import Crm, setup_crm
from tests.ami_bridge.rows import as_stored
from tests.support.ami_server import AmiServer, load_sequence
from workers.ami_bridge.events import AmiEvent, EventReader, Malformed
from workers.ami_bridge.model import CallModel, ModelConfig

SEQUENCES = Path(__file__).parent / "sequences"
SCENARIOS = sorted(path.stem for path in SEQUENCES.glob("*.ami"))


@dataclass
class Scenario:
    name: str
    frames: list[bytes]
    rows: list[dict]
    config: ModelConfig


def load_scenario(name: str) -> Scenario:
    sidecar = json.loads((SEQUENCES / f"{name}.expected.json").read_text(encoding="utf-8"))
    config = sidecar.get("model_config", {})
    return Scenario(
        name=name,
        frames=load_sequence(SEQUENCES / f"{name}.ami"),
        rows=sidecar["rows"],
        config=ModelConfig(
            trunk_endpoints=frozenset(config.get("trunk_endpoints", ["trunk"])),
            pbx_timezone=config.get("pbx_timezone", "UTC"),
        ),
    )


def parse(frames: Iterable[bytes], received_at: float = 1_700_000_000.0) -> list[AmiEvent]:
    """Typed events of wire frames; a malformed frame here is a bug in the sequence file."""
    reader = EventReader(expect_greeting=False, clock=lambda: received_at)
    events: list[AmiEvent] = []
    for frame in frames:
        for item in reader.feed(frame):
            assert not isinstance(item, Malformed), item
            if isinstance(item, AmiEvent):
                events.append(item)
    return events


def fold(events: Iterable[AmiEvent], config: ModelConfig | None = None) -> dict[str, dict]:
    """Apply events to a fresh model; its final rows by Linkedid, as dicts."""
    model = CallModel(config)
    for event in events:
        model.apply(event)
    return {row.pbx_linkedid: as_stored(row) for row in model.take_changed()}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test asking for `scenario_name` runs once per recorded sequence."""
    if "scenario_name" in metafunc.fixturenames:
        metafunc.parametrize("scenario_name", SCENARIOS)


@pytest.fixture
def all_scenarios() -> list[Scenario]:
    return [load_scenario(name) for name in SCENARIOS]


@pytest.fixture
def scenario() -> Callable[[str], Scenario]:
    """scenario(name) -> the sequence's frames, its expected rows and the model config."""
    return load_scenario


@pytest.fixture
def parse_frames() -> Callable[..., list[AmiEvent]]:
    return parse


@pytest.fixture
def fold_rows() -> Callable[..., dict[str, dict]]:
    return fold


@pytest.fixture
def ami_server() -> Iterator[AmiServer]:
    with AmiServer() as server:
        yield server


@pytest.fixture
def server(ami_server: AmiServer) -> AmiServer:
    """The AMI stand-in, as the database tests name it."""
    return ami_server


@pytest.fixture(scope="module")
def crm(stack: StackConfig) -> Crm:
    """The campaign, agents and leads the recorded sequences call (tests/ami_bridge/
    bridge_helpers.setup_crm); needs the test stack."""
    with psycopg.connect(stack.database_url, autocommit=True) as conn:
        return setup_crm(conn)
