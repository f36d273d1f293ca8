"""infra/topology.yaml stays in step with the code: every event topic exists and feeds
the outbound webhooks, and every entry point in functions/main.py is deployed."""
import ast
from pathlib import Path

from infra.topology import load_topology
from shared.domain.events import TOPICS

TOPOLOGY = load_topology()
MAIN = Path(__file__).resolve().parents[2] / "functions" / "main.py"


def test_every_event_topic_is_declared_and_reaches_the_webhook_dispatcher():
    assert set(TOPICS.values()) <= set(TOPOLOGY["topics"])
    (dispatch,) = [f for f in TOPOLOGY["functions"] if f.name == "dispatch_webhooks"]
    assert set(dispatch.topics) == set(TOPICS.values())


def test_every_entry_point_is_in_the_topology_and_back():
    tree = ast.parse(MAIN.read_text())
    entry_points = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)
                    and any("functions_framework" in ast.unparse(d) for d in node.decorator_list)}
    assert entry_points == {f.name for f in TOPOLOGY["functions"]}


def test_functions_feed_only_on_declared_topics():
    for spec in TOPOLOGY["functions"]:
        for topic in ([spec.topic] if spec.topic else []) + list(spec.topics):
            assert topic in TOPOLOGY["topics"], (spec.name, topic)
