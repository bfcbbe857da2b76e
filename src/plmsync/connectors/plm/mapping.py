"""The declarative mapping from a PLM's REST answers to the canonical change package.

A REST source makes three kinds of call, each described here: the *feed* it polls for
released changes, the *change* (with the items it released), and the *BOM* of each released
assembly. Every field is a path into the JSON (see `paths.py`). The defaults describe
Onshape's REST API v16 (the spec is in `../shared/data/onshape_rest_openapi`):

- feed: `GET /revisions/companies/{company}?after=…&limit=…` lists revisions (one per
  released item, `BTListResponseBTRevisionInfo`) with the release package that made them and
  a `next` link;
- change: `GET /releasepackages/{rpid}?detailed=true` (`BTReleasePackageInfo`), whose items
  carry their metadata as `properties` (`Part number`, `Revision`, …);
- BOM: `GET /assemblies/d/{did}/v/{vid}/e/{eid}/bom?indented=false`
  (`BTBillOfMaterialsInfo`), whose rows hold values by header id and whose headers name them.

Another PLM is another mapping file (`mapping:` of the source in plmsync.yaml), e.g.

    feed: {path: /api/changes, since_param: modifiedSince, records: data, next: links.next}
    item: {number: partNumber, revision: rev}
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from plmsync.connectors.plm.paths import compile_path
from plmsync.domain.errors import ConfigError
from plmsync.domain.package import LifecycleState


def _readable(path: str) -> str:
    compile_path(path)
    return path


JsonPath = Annotated[str, AfterValidator(_readable)]


class _Mapping(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FeedMapping(_Mapping):
    """The list the source polls: records of released changes, oldest first, paged."""

    path: str = "/revisions/companies/{company}"
    params: dict[str, str] = Field(default_factory=lambda: {"latestOnly": "false"})
    since_param: str = Field("after", description="Query parameter: records at or after a time.")
    limit_param: str = "limit"
    records: JsonPath = "items"
    next: JsonPath = Field("next", description="The next page's URL; absent on the last page.")
    next_token: JsonPath | None = Field(
        None, description="Or the next page's token (then `next` is unused)."
    )
    token_param: str = Field("pageToken", description="Query parameter the token is sent in.")
    record_id: JsonPath = "id"
    occurred_at: JsonPath = "createdAt"
    event_id: JsonPath = Field("releaseId", description="The change's id: one event per change.")
    change_number: JsonPath = "releaseName"


class NotificationMapping(_Mapping):
    """A webhook body announcing a released change. Onshape's `onshape.workflow.transition`
    (`BTWorkflowMessageBody`) names the release package by id only, so the change number is
    learnt when the change is fetched. A body whose `accept` fields differ is not a release."""

    event_id: JsonPath = "objectId"
    occurred_at: JsonPath = "timestamp"
    change_number: JsonPath | None = None
    accept: dict[str, str] = Field(
        default_factory=lambda: {
            "event": "onshape.workflow.transition",
            "objectType": "RELEASE",
            "transitionName": "RELEASE",
        }
    )


class ChangeMapping(_Mapping):
    """The change itself; `path` is formatted with `{event_id}`."""

    path: str = "/releasepackages/{event_id}"
    params: dict[str, str] = Field(default_factory=lambda: {"detailed": "true"})
    number: JsonPath = "name"
    title: JsonPath = "description"
    released_at: JsonPath = "modifiedAt"
    items: JsonPath = "items"


class ItemMapping(_Mapping):
    """One released item; `kind` tells parts, assemblies (which have a BOM) and documents."""

    id: JsonPath = "id"
    number: JsonPath = "properties[name=Part number].value"
    revision: JsonPath = "properties[name=Revision].value"
    name: JsonPath = "name"
    description: JsonPath = "properties[name=Description].value"
    uom: JsonPath = "properties[name=Unit of measure].value"
    kind: JsonPath = "elementType"
    assembly_kinds: tuple[str, ...] = ("1",)  # Onshape element types: 1 assembly
    document_kinds: tuple[str, ...] = ("2",)  # … 2 drawing
    url: JsonPath = "viewRef"
    references: JsonPath = Field("referenceIds", description="Ids of the items a document shows.")


class BomMapping(_Mapping):
    """An assembly's BOM; `path` is formatted with the released item's top-level fields."""

    path: str = "/assemblies/d/{documentId}/v/{versionId}/e/{elementId}/bom"
    params: dict[str, str] = Field(default_factory=lambda: {"indented": "false"})
    rows: JsonPath = "rows"
    headers: JsonPath | None = Field(
        "headers", description="The header list; null when row values are keyed by name."
    )
    header_id: JsonPath = "id"
    header_name: JsonPath = "propertyName"
    values: JsonPath | None = Field(
        "headerIdToValue", description="Where a row keeps its values; null: in the row itself."
    )
    find_number: str = "item"
    component: str = "partNumber"
    quantity: str = "quantity"
    revision: str = "revision"
    name: str = "name"
    description: str = "description"
    state: str = "state"
    manufacturer: str = "manufacturer"
    mpn: str = "mpn"
    supplier: str = "vendor"


class RestMapping(_Mapping):
    feed: FeedMapping = FeedMapping()
    notification: NotificationMapping = NotificationMapping()
    change: ChangeMapping = ChangeMapping()
    item: ItemMapping = ItemMapping()
    bom: BomMapping = BomMapping()
    default_uom: str = "EA"
    # A BOM row's state column → lifecycle; rows without a state are released components.
    states: dict[str, LifecycleState] = Field(
        default_factory=lambda: {
            "RELEASED": LifecycleState.RELEASED,
            "OBSOLETE": LifecycleState.OBSOLETE,
            "PENDING": LifecycleState.IN_WORK,
            "IN_PROGRESS": LifecycleState.IN_WORK,
        }
    )


def load_mapping(path: Path | None) -> RestMapping:
    """The mapping in a YAML file (None: Onshape's); a bad file is a ConfigError naming it."""
    if path is None:
        return RestMapping()
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return RestMapping.model_validate(document)
    except OSError as exc:
        raise ConfigError(f"cannot read the REST mapping {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"{path}: {problems}") from None
