"""Related-party groups and chains (rustworkx) agree with networkx as the reference."""

from __future__ import annotations

import itertools

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from scf.parties.model import RelatedLink, RelatedPartyGraph

REASONS = ("control", "common_controller", "shared_key_person", "shared_address", "shared_phone")
PARTIES = [f"org{i}" for i in range(14)]

links_st = st.lists(
    st.builds(
        RelatedLink,
        st.sampled_from(PARTIES),
        st.sampled_from(PARTIES),
        st.sampled_from(REASONS),
        st.sampled_from(("", "p1", "p2")),
    ),
    max_size=30,
)


def _reference(links: list[RelatedLink]) -> nx.Graph[str]:
    g: nx.Graph[str] = nx.Graph()
    for link in links:
        g.add_edge(link.a, link.b, link=link)
    return g


@settings(max_examples=200, deadline=None)
@given(links_st)
def test_groups_and_chains_match_networkx(links: list[RelatedLink]) -> None:
    graph = RelatedPartyGraph(links=links)
    ref = _reference(links)
    groups = sorted(sorted(g) for g in graph.groups())
    assert groups == sorted(sorted(c) for c in nx.connected_components(ref))
    for party in PARTIES:
        expected = set(nx.node_connected_component(ref, party)) if party in ref else {party}
        assert graph.group_of(party) == expected
    for a, b in itertools.combinations(PARTIES[:8], 2):
        chain = graph.related(a, b)
        if a not in ref or b not in ref or not nx.has_path(ref, a, b):
            assert chain == []
            continue
        assert len(chain) == nx.shortest_path_length(ref, a, b)
        at = a
        for link in chain:
            # each hop is the link networkx keeps for that pair (the last one added)
            assert link == ref.edges[link.a, link.b]["link"]
            assert at in (link.a, link.b)
            at = link.b if link.a == at else link.a
        assert at == b
    for party in PARTIES:
        assert graph.related(party, party) == []


def test_the_graph_is_built_once_and_again_when_links_are_added() -> None:
    graph = RelatedPartyGraph(links=[RelatedLink("a", "b", "control")])
    assert graph.groups() == [{"a", "b"}]
    first = graph._graph()
    assert graph._graph() is first  # reused by every later question
    graph.links.append(RelatedLink("b", "c", "shared_phone"))
    assert graph.group_of("c") == {"a", "b", "c"}
    assert [lk.reason for lk in graph.related("a", "c")] == ["control", "shared_phone"]
