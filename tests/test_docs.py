"""The documents the code cites exist in the repository and have the sections cited."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_cited_contract_section_is_in_docs_contract_md() -> None:
    headings = set(re.findall(r"^#{2,3} (\d+(?:\.\d+)?)[. ]", (ROOT / "docs" / "contract.md").read_text(), re.M))
    cited = set()
    for path in [*ROOT.glob("agno_session_aio/**/*.py"), *ROOT.glob("tests/**/*.py"), *ROOT.glob("docs/*.md")]:
        cited |= set(re.findall(r"contract §(\d+(?:\.\d+)?)", path.read_text()))
    assert cited, "no citations found: the pattern is stale"
    assert sorted(cited - headings) == []


def test_documents_linked_from_the_code_exist() -> None:
    linked = set()
    for path in ROOT.glob("agno_session_aio/**/*.py"):
        linked |= set(re.findall(r"\b(docs/[a-z_-]+\.md)", path.read_text()))
    assert linked and all((ROOT / doc).exists() for doc in linked), linked
