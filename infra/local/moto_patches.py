"""Eight fixes to moto (pinned 5.2.5), for the tests and for `make run`'s moto server.

1. One call at a time. moto's DynamoDB is not thread-safe: a TransactWriteItems
   deep-copies the tables while another thread (the Step Functions interpreter,
   running an execution) updates an item, and fails with "dictionary changed
   size during iteration"; and a transaction's condition check and its write can
   have another call land in between. DynamoDB has neither problem. Every
   DynamoDB call of the process (parse, run, serialise) now holds one lock, and
   so does every DynamoDB Streams call.
2. Transactions that cost what they touch. To be able to roll back, moto
   deep-copies every table a TransactWriteItems touches, on every transaction:
   the cost grows with the table, so thousands of requests take minutes. Here
   the items the transaction names are saved instead and put back on failure,
   and the stream records of the cancelled transaction are cut off, since
   DynamoDB's streams carry nothing of one.
3. A state machine parsed once. moto's Step Functions parses the definition
   with ANTLR on every StartExecution: about 0.6 s of CPU for our workflow,
   under the GIL, so 50 concurrent submissions queued behind each other's
   parses. The parse trees (of the definition and of each intrinsic function)
   are now kept per text; each execution still builds its own components from
   them, so no execution shares evaluation state with another.
4. Each host routed once. moto's server finds the service for every request
   by listing its own package directory (a stat per service, about 150) and
   trying its URL patterns, 3 to 4 ms per request under one process-wide lock.
   The answer depends only on the host name, so it is now kept per host.
5. A retention check that reads one attribute. For each message it returns,
   moto's SQS ReceiveMessage computes all the queue's attributes, counting every
   message in the queue three times, to read the retention period. The outbox of
   `make run` receives all the time, so under load this took most of moto's CPU.
6. A workflow that can start an execution. The Step Functions integration
   ``states:startExecution`` takes StateMachineArn, Name and Input, and moto's
   interpreter hands them to boto3 as they are, which knows stateMachineArn,
   name and input only: every such task failed with KeyError 'StateMachineArn'.
   Its names are now given boto3's spelling (LocalStack, where the interpreter
   comes from, does this from the service's model).
7. Stream iterators that do not pile up. moto keeps every DynamoDB Streams
   iterator it hands out, forever; the stream reader of `make run` reads every
   half second. An iterator is now dropped once read (the reader keeps its own
   position: infra/local/filings.py). AWS keeps them usable for 15 minutes.
8. Stream positions answered as DynamoDB Streams answers them. Asked for an
   iterator on a shard the stream does not have, or at a sequence number before
   its oldest record, moto fails an assertion (a 500, or, in process, the
   caller's AssertionError); DynamoDB Streams answers ResourceNotFoundException
   and TrimmedDataAccessException, which `make keep-filings` reads as "the
   stream no longer holds this batch".
"""

from __future__ import annotations

import functools
import os
import sys
import threading
from pathlib import Path
from typing import Any

_LOCK = threading.RLock()
_MARK = "__liaison_serialised__"


def serialise_dynamodb() -> None:
    from moto.dynamodb.responses import DynamoHandler
    from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

    for handler in (DynamoHandler, DynamoDBStreamsHandler):
        original = handler.call_action
        if getattr(original, _MARK, False):
            continue
        handler.call_action = _under_lock(original)  # type: ignore[method-assign]  # monkeypatch


def _under_lock(original: Any) -> Any:
    @functools.wraps(original)
    def call_action(self: Any) -> Any:
        with _LOCK:
            return original(self)

    setattr(call_action, _MARK, True)
    return call_action


def _item_key(operation: dict[str, Any], table: Any) -> dict[str, Any]:
    if "Key" in operation:
        return dict(operation["Key"])
    item = operation["Item"]
    key = {table.hash_key_attr: item[table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = item[table.range_key_attr]
    return key


def cheap_transactions() -> None:
    import copy

    from moto.dynamodb import models
    from moto.dynamodb.models.table import Table

    backend = models.DynamoDBBackend
    original = backend.transact_write_items
    if getattr(original, _MARK, False):
        return

    class _CopyButNotTables:
        """moto's module-level ``copy``, minus the whole-table deep copy (items are saved below instead)."""

        def __getattr__(self, name: str) -> Any:
            return getattr(copy, name)

        @staticmethod
        def deepcopy(value: Any, memo: Any = None) -> Any:
            return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    models.copy = _CopyButNotTables()  # type: ignore[assignment]  # monkeypatch

    @functools.wraps(original)
    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved = []
        for entry in transact_items:
            try:
                _, operation = next(iter(entry.items()))
                table = self.get_table(operation["TableName"])
                key = _item_key(operation, table)
                current = self.get_item(operation["TableName"], key)
            except Exception:  # noqa: BLE001, S112 - moto itself reports a malformed transaction below
                continue
            saved.append((operation["TableName"], key, current.to_json()["Attributes"] if current else None))
        streams = {
            id(shard): (shard, len(shard.items))
            for shard in (self.get_table(name).stream_shard for name, _, _ in saved)
            if shard is not None
        }
        try:
            return original(self, transact_items)
        except Exception:
            try:
                for table_name, key, attributes in reversed(saved):
                    if attributes is None:
                        if self.get_item(table_name, key) is not None:
                            self.delete_item(table_name, key)
                    else:
                        self.put_item(table_name, attributes)
            finally:
                # DynamoDB's streams carry no record of a cancelled transaction: neither its writes nor their
                # undoing (stream reads take the same lock, serialise_dynamodb: none sees them in between).
                for shard, length in streams.values():
                    del shard.items[length:]
            raise

    setattr(transact_write_items, _MARK, True)
    backend.transact_write_items = transact_write_items  # type: ignore[method-assign]  # monkeypatch


_TREES_KEPT = 256


def _tree_cache(parser_class: Any, preprocessor_of: Any) -> None:
    """Replace ``parser_class.parse(text)`` by one that parses each text once and preprocesses it every time."""
    original = parser_class.parse
    if getattr(original, _MARK, False):
        return
    trees: dict[str, Any] = {}

    def parse(text: str) -> tuple[Any, Any]:
        tree = trees.get(text)
        if tree is None:
            component, tree = original(text)  # syntax errors raise here and are not kept
            if len(trees) >= _TREES_KEPT:
                trees.clear()
            trees[text] = tree
            return component, tree
        return preprocessor_of().visit(tree), tree

    setattr(parse, _MARK, True)
    parser_class.parse = staticmethod(parse)


def parse_state_machines_once() -> None:
    from moto.stepfunctions.parser.asl.parse import asl_parser
    from moto.stepfunctions.parser.asl.parse.intrinsic import intrinsic_parser

    _tree_cache(asl_parser.AmazonStateLanguageParser, asl_parser.Preprocessor)
    _tree_cache(intrinsic_parser.IntrinsicParser, intrinsic_parser.Preprocessor)


_HOSTS_KEPT = 1024


def route_hosts_once() -> None:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    original = DomainDispatcherApplication.get_backend_for_host
    if getattr(original, _MARK, False):
        return
    routes: dict[str | None, Any] = {}

    @functools.wraps(original)
    def get_backend_for_host(self: Any, host: str | None) -> Any:
        if host in routes:
            return routes[host]
        backend = original(self, host)
        if len(routes) < _HOSTS_KEPT:  # host names come from requests: keep a bounded number
            routes[host] = backend
        return backend

    setattr(get_backend_for_host, _MARK, True)
    DomainDispatcherApplication.get_backend_for_host = get_backend_for_host  # type: ignore[method-assign]  # monkeypatch


def cheap_retention_check() -> None:
    from moto.core.utils import unix_time
    from moto.sqs.models import SQSBackend

    original = SQSBackend.is_message_valid_based_on_retention_period
    if getattr(original, _MARK, False):
        return

    @functools.wraps(original)
    def is_message_valid_based_on_retention_period(self: Any, queue_name: str, message: Any) -> bool:
        retention_period = int(self.get_queue(queue_name).message_retention_period)
        return retention_period + message.sent_timestamp / 1000 > unix_time()

    setattr(is_message_valid_based_on_retention_period, _MARK, True)
    SQSBackend.is_message_valid_based_on_retention_period = (  # type: ignore[method-assign]  # monkeypatch
        is_message_valid_based_on_retention_period
    )


MAIL_DIR_VARIABLE = "LIAISON_LOCAL_MAIL_DIR"


def drop_sent_mail(directory: Path) -> None:
    """Not a fix: where local e-mail goes. SES in moto keeps what it is sent and delivers nothing; here each
    message it accepts is also written to ``directory`` as a readable ``.eml`` (the outbox of ``make run``,
    beside what the topics deliver), so an applicant's one-time link can be opened locally."""
    from moto.ses.models import SESBackend

    from infra.local.outbox import write_mail

    original = SESBackend.send_email
    if getattr(original, _MARK, False):
        return  # one drop per process (a second in-process start must not write each message twice)

    def send_email(self: Any, source: str, subject: str, body: str, destinations: dict[str, list[str]]) -> Any:
        message = original(self, source, subject, body, destinations)
        for address in (address for addresses in destinations.values() for address in addresses):
            write_mail(directory, source, address, subject, body)
        return message

    setattr(send_email, _MARK, True)
    SESBackend.send_email = send_email  # type: ignore[method-assign]  # monkeypatch


def sfn_parameter_names() -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import state_task_service_sfn

    task = state_task_service_sfn.StateTaskServiceSfn
    original = task._normalise_parameters
    if getattr(original, _MARK, False):
        return

    @functools.wraps(original)
    def normalise(
        self: Any, parameters: dict, boto_service_name: str | None = None, service_action_name: str | None = None
    ) -> None:
        original(self, parameters, boto_service_name, service_action_name)
        for name in [key for key in parameters if key[:1].isupper()]:
            parameters[name[0].lower() + name[1:]] = parameters.pop(name)

    setattr(normalise, _MARK, True)
    task._normalise_parameters = normalise  # type: ignore[method-assign]  # monkeypatch


def single_use_stream_iterators() -> None:
    """Fix 7: a DynamoDB Streams iterator is dropped once read."""
    from moto.dynamodbstreams.models import DynamoDBStreamsBackend

    original = DynamoDBStreamsBackend.get_records
    if getattr(original, _MARK, False):
        return

    @functools.wraps(original)
    def get_records(self: Any, iterator_arn: str, limit: int) -> dict[str, Any]:
        answer = original(self, iterator_arn, limit)
        self.shard_iterators.pop(iterator_arn, None)
        return answer

    setattr(get_records, _MARK, True)
    DynamoDBStreamsBackend.get_records = get_records  # type: ignore[method-assign]  # monkeypatch


def stream_positions_as_aws() -> None:
    """Fix 8: an iterator on an unknown shard, or before the oldest record, refused as DynamoDB Streams does."""
    from moto.core.exceptions import JsonRESTError
    from moto.dynamodbstreams.models import DynamoDBStreamsBackend

    original = DynamoDBStreamsBackend.get_shard_iterator
    if getattr(original, _MARK, False):
        return

    @functools.wraps(original)
    def get_shard_iterator(
        self: Any, arn: str, shard_id: str, shard_iterator_type: str, sequence_number: str | None = None
    ) -> Any:
        shard = self._get_table_from_arn(arn).stream_shard
        if shard is None or shard.id != shard_id:
            raise JsonRESTError("ResourceNotFoundException", f"Requested resource not found: Shard {shard_id}")
        if sequence_number is not None and int(sequence_number) < shard.starting_sequence_number:
            raise JsonRESTError("TrimmedDataAccessException", "The sequence number is beyond the trim horizon")
        return original(self, arn, shard_id, shard_iterator_type, sequence_number)

    setattr(get_shard_iterator, _MARK, True)
    DynamoDBStreamsBackend.get_shard_iterator = get_shard_iterator  # type: ignore[method-assign]  # monkeypatch


def patch() -> None:
    sfn_parameter_names()
    single_use_stream_iterators()
    stream_positions_as_aws()
    serialise_dynamodb()
    cheap_transactions()
    parse_state_machines_once()
    route_hosts_once()
    cheap_retention_check()


def main(argv: list[str] | None = None) -> None:
    """``python -m infra.local.moto_patches <moto.server arguments>``: moto's server, patched."""
    from moto import server

    patch()
    if os.environ.get(MAIL_DIR_VARIABLE):
        drop_sent_mail(Path(os.environ[MAIL_DIR_VARIABLE]))
    server.main(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
