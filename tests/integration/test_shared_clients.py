"""One botocore session and one DynamoDB connection per process (chalicelib/aws.py): a cold container makes
each client once, whatever thread asks first."""

from __future__ import annotations

import threading

import pytest

from chalicelib import aws
from chalicelib.store.models import AccountApplication, Agency, Event, LegalRequest, Representative
from chalicelib.store.requests import connection


@pytest.fixture
def fresh(monkeypatch):
    """A process's first moments: no session, no clients yet (restored afterwards for the other tests)."""
    made = {name: getattr(aws, name)() for name in ("session", "_boto3_session", "dynamodb")}
    for name in made:
        getattr(aws, name).cache_clear()
    aws.client.cache_clear()
    yield
    for name in made:
        getattr(aws, name).cache_clear()
    aws.client.cache_clear()


def test_given_threads_racing_for_the_first_clients_then_each_is_made_on_one_session_without_error(
        local_resources, fresh):
    """The health check probes every dependency at once on a cold container. Two boto3 sessions over the one
    botocore session would inject S3's transfer methods twice ("Cannot inject class attribute")."""
    start, errors, made = threading.Barrier(8), [], []

    def first_call(service: str, probe: bool) -> None:
        start.wait()
        try:
            made.append(aws.client(service, probe=probe))
        except Exception as error:  # noqa: BLE001 - the test reports whatever a racing thread raised
            errors.append(error)

    threads = [threading.Thread(target=first_call, args=(service, probe))
               for service in ("s3", "sqs", "kms", "sns") for probe in (False, True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(made) == 8
    s3 = aws.client("s3")
    s3.head_bucket(Bucket=aws.get_settings().evidence_bucket)  # the injected methods work, the client answers
    assert hasattr(s3, "upload_fileobj")


def test_given_every_model_then_they_share_one_dynamodb_client_with_the_transactions(local_resources):
    for model in (Agency, AccountApplication, Event, LegalRequest, Representative):
        assert model._get_connection().connection.client is connection().client


def test_given_two_models_in_one_table_then_each_keeps_its_own_indexes(local_resources):
    """Agencies and account applications share a table, each with indexes of its own."""
    assert Agency.get("fr-valmont-cyber").agency_id == "fr-valmont-cyber"
    assert list(AccountApplication.by_state.query("pending_review", limit=1)) is not None
    assert list(Agency.in_registry.query("agency", limit=1))


def test_given_the_shared_connection_then_its_client_comes_from_the_shared_session(local_resources):
    assert connection().session is aws.session()
