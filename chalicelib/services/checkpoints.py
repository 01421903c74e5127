"""Audit checkpoints: the heads of the requests' chains, signed and kept where the tables' writers cannot reach.

A hash chain shows an edit of one event, but whoever can write the tables can
rewrite a whole chain consistently (every later hash recomputed, the head set to
match). So, as transparency logs do, the heads are anchored outside the tables:

- At least hourly (``write``: a schedule deployed, a loop in ``make run``, or
  ``make checkpoint``), every request whose chain grew since the last checkpoint
  (the ``chain-changed-index``, by UTC hour) has its head (``seq``, ``hash``)
  written into a checkpoint object in the evidence bucket, under Object Lock in
  COMPLIANCE mode (nobody, root included, can overwrite or delete it before its
  retention ends). The checkpoint names the previous one and its SHA-256, so
  checkpoints form a chain too, and it is signed (ES256, the KMS key that signs
  receipts; its public key is at ``/v1/public/keys``) over its content's SHA-256.
- Beside it, one small pointer per request (``audit/heads/<request>/<time>``,
  locked the same way), so a request's latest anchor is one listing away.
- ``latest_anchor`` and ``load_all`` read them back, check signature, content
  hash and pointer, and ``check`` compares a chain with its anchor: an anchored
  event that is missing or has another hash is reported.

What stays open: events written after the latest checkpoint can be rewritten
until the next one anchors them (at most an hour), and this job and the API
share the signing key.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import PutError

from chalicelib.aws import client
from chalicelib.clock import Clock, app_clock, isoformat, parse_instant
from chalicelib.domain import audit
from chalicelib.errors import DependencyUnavailable
from chalicelib.observability import logger, metrics
from chalicelib.services.receipts import ReceiptSigner
from chalicelib.settings import get_settings
from chalicelib.store import objects
from chalicelib.store.models import ConfigEntry, LegalRequest
from chalicelib.store.requests import chain_hour

FORMAT = "liaison-audit-checkpoint/1"
TYP = "liaison-audit-checkpoint"  # the JWS header's typ: a checkpoint can never pass for a receipt, nor one for it
STATE = "audit_checkpoint"  # the config entry naming the latest checkpoint
CHECKPOINTS = "audit/checkpoints/"
HEADS = "audit/heads/"
# An event whose transaction committed just before a checkpoint may reach the index just after it: each checkpoint
# looks again at the hours from this long before the previous one.
OVERLAP = timedelta(minutes=10)
FIRST_LOOKBACK = timedelta(days=1)  # the first checkpoint of a deployment covers the day before it
MAX_HOURS = 24 * 31  # a checkpoint after a longer pause covers the last 31 days and says where it started
POINTER_WRITERS = 16


class CheckpointInvalid(Exception):
    """A checkpoint or pointer that does not verify (its signature, content hash, link or coverage)."""


class Anchor(NamedTuple):
    """A request's head as a checkpoint recorded it."""

    checkpoint: str
    at: str
    seq: int
    hash: str


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _hours(first: datetime, last: datetime) -> list[str]:
    start = first.replace(minute=0, second=0, microsecond=0)
    hours: list[str] = []
    while start <= last and len(hours) < MAX_HOURS + 1:
        hours.append(chain_hour(isoformat(start)))
        start += timedelta(hours=1)
    return hours


class Checkpoints:
    def __init__(self, signer: ReceiptSigner | None = None, clock: Clock = app_clock) -> None:
        self.signer = signer or ReceiptSigner()
        self.clock = clock

    @property
    def bucket(self) -> str:
        return get_settings().evidence_bucket

    # --- writing -------------------------------------------------------------------------------------------

    def write(self) -> dict[str, Any]:
        """Anchor the heads of every chain changed since the last checkpoint; answer what was written."""
        now = self.clock.now()
        at = isoformat(now)
        recorded = self.latest()
        latest = self._previous(now, recorded)
        since = parse_instant(latest["at"]) - OVERLAP if latest else now - FIRST_LOOKBACK
        truncated = since < now - timedelta(hours=MAX_HOURS)
        since = min(max(since, now - timedelta(hours=MAX_HOURS)), now)
        hours = _hours(since, now)
        heads = self._heads(self._changed(hours))
        content = {
            "format": FORMAT,
            "at": at,
            "hours": {"from": hours[0], "to": hours[-1]},
            "previous": {"key": latest["key"], "sha256": latest["sha256"]} if latest else None,
            "heads": heads,
        }
        digest = hashlib.sha256(_canonical(content)).hexdigest()
        key = f"{CHECKPOINTS}{at}.json"
        signature = self.signer.sign_claims(
            {"checkpoint": key, "sha256": digest, "at": at, "heads": len(heads)},
            TYP,
            DependencyUnavailable(
                "The audit checkpoint could not be signed; nothing was written.", code="checkpoint_unsigned"
            ),
        )
        self._put(key, _canonical({"content": content, "signature": signature}), now)
        pointers = [
            (
                f"{HEADS}{request_id}/{at}.json",
                _canonical({"checkpoint": key, "seq": head["seq"], "hash": head["hash"]}),
            )
            for request_id, head in heads.items()
        ]
        with ThreadPoolExecutor(max_workers=POINTER_WRITERS) as pool:
            list(pool.map(lambda pointer: self._put(pointer[0], pointer[1], now), pointers))
        # After a pause longer than MAX_HOURS, coverage starts again here: what changed in the gap is not anchored.
        covered_from = hours[0] if truncated or not latest else latest.get("covered_from") or hours[0]
        state = ConfigEntry(
            STATE,
            document={"key": key, "sha256": digest, "at": at, "covered_from": covered_from},
            updated_at=at,
            updated_by="audit-checkpoint",
        )
        try:  # only over the one this links to: of two writers at once, one names the latest, both stay valid
            state.save(
                condition=ConfigEntry.name.does_not_exist()
                if recorded is None
                else ConfigEntry.updated_at == recorded["at"]
            )
        except PutError:
            logger.warning(
                "another checkpoint was written meanwhile; this one stays, as a sibling", extra={"checkpoint": key}
            )
        metrics.add_metric(name="AuditCheckpointHeads", unit="Count", value=len(heads))
        logger.info("audit checkpoint written", extra={"checkpoint": key, "heads": len(heads)})
        return {"checkpoint": key, "sha256": digest, "heads": len(heads), "hours": content["hours"]}

    def latest(self) -> dict[str, Any] | None:
        """The latest checkpoint as the config entry names it (where coverage starts, and when it was)."""
        try:
            return ConfigEntry.get(STATE, consistent_read=True).document
        except ConfigEntry.DoesNotExist:
            return None

    def _previous(self, now: datetime, latest: dict[str, Any] | None) -> dict[str, Any] | None:
        """The checkpoint to link to and cover from: the config entry's (``latest``), unless the bucket holds a
        later one of today or yesterday (whoever can write the table cannot move coverage past what was written)."""
        keys = [k for day in (now - timedelta(days=1), now) for k in self._keys(f"{CHECKPOINTS}{day.date()}")]
        newest = keys[-1] if keys else None
        named_later = latest is not None and (
            (newest is not None and newest < latest["key"]) or latest["at"] > isoformat(now)
        )
        if named_later:  # the table names a checkpoint the bucket does not hold: it was moved; the bucket decides
            logger.error(
                "the config entry names a checkpoint later than the bucket's latest",
                extra={"named": latest["key"] if latest else None, "bucket": newest},
            )
            metrics.add_metric(name="AuditCheckpointStateMismatch", unit="Count", value=1)
        if newest and (latest is None or newest != latest["key"]):
            content = self.read(newest)
            return {
                "key": newest,
                "sha256": content["sha256"],
                "at": content["at"],
                "covered_from": (latest or {}).get("covered_from") or content["hours"]["from"],
            }
        return None if named_later else latest

    @staticmethod
    def _changed(hours: Iterable[str]) -> set[str]:
        return {entry.request_id for hour in hours for entry in LegalRequest.by_chain_hour.query(hour)}

    @staticmethod
    def _heads(request_ids: set[str]) -> dict[str, dict[str, Any]]:
        heads = {}
        for item in LegalRequest.batch_get(
            sorted(request_ids),
            consistent_read=True,
            attributes_to_get=["request_id", "last_event_seq", "last_event_hash"],
        ):
            if item.last_event_hash:
                heads[item.request_id] = {"seq": int(item.last_event_seq), "hash": item.last_event_hash}
        return dict(sorted(heads.items()))

    def _put(self, key: str, body: bytes, now: datetime) -> None:
        retain = now + timedelta(days=get_settings().audit_checkpoint_retention_days)
        try:
            client("s3").put_object(
                Bucket=self.bucket,
                Key=key,
                Body=body,
                ContentType="application/json",
                ChecksumAlgorithm="SHA256",
                ChecksumSHA256=base64.b64encode(hashlib.sha256(body).digest()).decode("ascii"),
                ObjectLockMode="COMPLIANCE",
                ObjectLockRetainUntilDate=retain,
            )
        except (BotoCoreError, ClientError) as error:
            raise DependencyUnavailable(
                "The evidence bucket refused an audit checkpoint.", code="checkpoint_unwritten"
            ) from error

    # --- reading -------------------------------------------------------------------------------------------

    def _get(self, key: str) -> bytes | None:
        return objects.body_or_none(self.bucket, key)

    def _keys(self, prefix: str) -> list[str]:
        keys: list[str] = []
        try:
            for page in client("s3").get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
                keys.extend(entry["Key"] for entry in page.get("Contents", []))
        except (BotoCoreError, ClientError) as error:
            raise DependencyUnavailable(objects.UNAVAILABLE) from error
        return sorted(keys)

    def read(self, key: str) -> dict[str, Any]:
        """A checkpoint's content, once its signature and content hash are checked."""
        raw = self._get(key)
        if raw is None:
            raise CheckpointInvalid(f"checkpoint {key} is missing from the evidence bucket")
        try:
            document = json.loads(raw)
            content, signature = document["content"], document["signature"]
        except (ValueError, KeyError, TypeError):
            raise CheckpointInvalid(f"checkpoint {key} is not a checkpoint document") from None
        try:
            claims = self.signer.verify_claims(signature, TYP)
        except ValueError as error:
            raise CheckpointInvalid(f"checkpoint {key}: {error}") from None
        digest = hashlib.sha256(_canonical(content)).hexdigest()
        if claims.get("checkpoint") != key or claims.get("sha256") != digest or content.get("format") != FORMAT:
            raise CheckpointInvalid(f"checkpoint {key} does not match its signature")
        return {**content, "sha256": digest}

    def latest_anchor(self, request_id: str) -> Anchor | None:
        """The request's head as the latest checkpoint covering it recorded it (pointer and checkpoint checked)."""
        pointers = self._keys(f"{HEADS}{request_id}/")
        if not pointers:
            return None
        raw = self._get(pointers[-1]) or b""
        try:
            pointer = json.loads(raw)
            key = pointer["checkpoint"]
        except (ValueError, KeyError, TypeError):
            raise CheckpointInvalid(f"the checkpoint pointer {pointers[-1]} is unreadable") from None
        content = self.read(key)
        head = content["heads"].get(request_id)
        if head is None or head != {"seq": pointer.get("seq"), "hash": pointer.get("hash")}:
            raise CheckpointInvalid(f"the checkpoint pointer {pointers[-1]} disagrees with checkpoint {key}")
        return Anchor(key, content["at"], int(head["seq"]), head["hash"])

    def load_all(self) -> tuple[dict[str, Anchor], list[str], list[dict[str, Any]]]:
        """Every checkpoint, each checked: its signature and content hash; its link, which must name a checkpoint
        of the bucket with that SHA-256 (two written at once may share one: siblings are valid); and its coverage,
        which must reach back to the checkpoint it links to. Answers the latest anchor of each request, the
        problems found, and the checkpoints' contents in order."""
        anchors: dict[str, Anchor] = {}
        problems: list[str] = []
        contents: list[dict[str, Any]] = []
        seen: dict[str, dict[str, Any]] = {}
        for key in self._keys(CHECKPOINTS):
            try:
                content = self.read(key)
            except CheckpointInvalid as error:
                problems.append(str(error))
                continue
            link = content.get("previous")
            if link is None and contents:
                problems.append(f"checkpoint {key} links to no earlier checkpoint, though there are some")
            elif link is not None:
                before = seen.get(link.get("key"))
                if before is None or before["sha256"] != link.get("sha256"):
                    problems.append(
                        f"checkpoint {key} links to {link.get('key')}, which the bucket does not hold as it was signed"
                    )
                elif content["hours"]["from"] > chain_hour(
                    isoformat(parse_instant(before["at"]) - OVERLAP)
                ) and content["hours"]["from"] != chain_hour(
                    isoformat(parse_instant(content["at"]) - timedelta(hours=MAX_HOURS))
                ):
                    problems.append(f"checkpoint {key} does not cover the hours since {link.get('key')}")
            seen[key] = content
            contents.append(content)
            for request_id, head in content["heads"].items():
                anchors[request_id] = Anchor(key, content["at"], int(head["seq"]), head["hash"])
        return anchors, problems, contents


def check(events: Sequence[audit.ChainedEvent], anchor: Anchor | None) -> audit.Verdict | None:
    """A chain (already verified link by link) against its latest anchor; None if it agrees or has none."""
    if anchor is None:
        return None
    if anchor.seq > len(events):
        return audit.Verdict(
            False,
            len(events),
            len(events) + 1,
            f"the checkpoint of {anchor.at} anchored {anchor.seq} events; the trail holds {len(events)}",
        )
    if events[anchor.seq - 1].hash != anchor.hash:
        return audit.Verdict(
            False,
            len(events),
            anchor.seq,
            f"the trail up to event {anchor.seq} is not the one the checkpoint of {anchor.at} "
            "anchored: it was rewritten",
        )
    return None


def unanchored(item: LegalRequest, latest: dict[str, Any] | None) -> audit.Verdict | None:
    """A request filed inside the checkpoints' coverage, long enough before the latest one, must be anchored."""
    if latest is None:
        return None
    received = parse_instant(item.received_at)
    if (
        chain_hour(item.received_at) >= latest.get("covered_from", "")
        and received < parse_instant(latest["at"]) - OVERLAP
    ):
        return audit.Verdict(
            False,
            int(item.last_event_seq or 0),
            None,
            f"no checkpoint anchors this request, though it was filed before the one of {latest['at']}",
        )
    return None
