"""The moto patches the tests and `make run` rely on: state machines are parsed once, executions do not share
components."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.local import moto_patches

WORKFLOW = Path(__file__).resolve().parents[2] / "infra" / "statemachine" / "request-workflow.asl.json"


@pytest.fixture(scope="module")
def parsers():
    moto_patches.patch()
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
    from moto.stepfunctions.parser.asl.parse.intrinsic.intrinsic_parser import IntrinsicParser

    return AmazonStateLanguageParser, IntrinsicParser


def test_given_the_same_definition_then_the_tree_is_reused_and_each_execution_gets_its_own_components(parsers):
    asl, _ = parsers
    definition = WORKFLOW.read_text(encoding="utf-8")
    first, first_tree = asl.parse(definition)
    second, second_tree = asl.parse(definition)
    assert second_tree is first_tree
    assert second is not first and type(second) is type(first)
    assert second.states.states.keys() == first.states.states.keys()


def test_given_an_intrinsic_function_then_its_tree_is_reused_too(parsers):
    _, intrinsic = parsers
    text = "States.Format('{} {}', $.a, $.b)"
    first, first_tree = intrinsic.parse(text)
    second, second_tree = intrinsic.parse(text)
    assert second_tree is first_tree and second is not first


def test_given_a_malformed_definition_then_every_parse_refuses_it(parsers):
    from moto.stepfunctions.parser.asl.parse.asl_parser import ASLParserException

    asl, _ = parsers
    broken = '{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": tru}}}'
    for _ in range(2):
        with pytest.raises(ASLParserException):
            asl.parse(broken)


def test_given_patch_twice_then_it_wraps_once(parsers):
    asl, _ = parsers
    wrapped = asl.parse
    moto_patches.patch()
    assert asl.parse is wrapped
