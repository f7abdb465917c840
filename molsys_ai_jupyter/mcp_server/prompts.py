"""The prompts the server offers: instructions an agent follows with this server's tools."""

from __future__ import annotations

ANSWER_WITH_CITATIONS = """\
Answer this question about the MolSysSuite libraries (molsysmt, pyunitwizard, molsysviewer, topomt):

{question}

How to answer:
1. Call the tool search_docs with the question (and project="{project}" when one is named) and read the passages.
2. Answer only from those passages. After each claim put its source as a numbered citation [1], [2]…
3. End with a "Sources" list: the number, the page title and its URL exactly as search_docs gave it.
4. Any function you name must be checked with get_symbol; never name one it does not find.
5. If the passages do not answer the question, say so and point to the closest pages.
"""

WRITE_VERIFIED_CODE = """\
Write Python code with molsysmt (import molsysmt as msm) for this task:

{task}

How to write it:
1. Call search_docs for the task and follow the documentation's own examples.
2. Look up every molsysmt function you use with get_symbol: use its real name and only its real parameters.
3. Call check_code on your code. Fix every API issue it reports (use its suggestions) and repeat until
   api_ok is true. Report what the execution policy says would need the user's consent.
4. For a question about a file of the working folder, call plan_task first: when it understands the
   task, its checked code is a good start. Do not run any code yourself unless the user asks.
5. Give the final code in one ```python block, then the pages you used with their URLs.
"""


def answer_with_citations(question: str, project: str = "") -> str:
    return ANSWER_WITH_CITATIONS.format(question=question.strip(), project=project.strip() or "…")


def write_verified_code(task: str) -> str:
    return WRITE_VERIFIED_CODE.format(task=task.strip())
