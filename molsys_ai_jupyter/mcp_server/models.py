"""The typed results of the tools: each becomes the tool's output schema, and every answer
is checked against it by the SDK before it leaves the server."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Passage(BaseModel):
    rank: int
    project: str = Field(description="molsysmt, pyunitwizard, molsysviewer, topomt or molsyssuite")
    title: str
    url: str = Field(description="the published page (cite it)")
    headings: str = Field(description="the section of the page, as 'Heading > Subheading'")
    text: str = Field(description="the passage")
    code: str = Field("", description="the code of the passage, when it has some")
    score: float


class ApiCard(BaseModel):
    name: str
    signature: str
    url: str


class SearchDocsResult(BaseModel):
    query: str
    passages: list[Passage] = Field(description="best first, one per page")
    api: list[ApiCard] = Field(description="the API entries closest to the query")
    latency_ms: float


class SymbolInfo(BaseModel):
    found: bool = Field(description="False: the name is not in the API; see suggestions")
    query: str
    name: str | None = Field(None, description="the canonical public name")
    project: str | None = None
    kind: str | None = Field(None, description="function, class, method, property…")
    signature: str | None = None
    parameters: list[str] = Field(default_factory=list)
    docstring: str | None = None
    url: str | None = Field(None, description="the documentation page of the symbol, when published")
    public_names: list[str] = Field(default_factory=list, description="every public name it is reachable under")
    suggestions: list[str] = Field(default_factory=list, description="the closest real names (for an unknown one)")


class ApiIssue(BaseModel):
    kind: str = Field(description="unknown_symbol, unknown_kwarg or syntax_error")
    name: str
    line: int
    col: int
    message: str
    kwarg: str | None = None
    suggestions: list[str] = Field(default_factory=list)


class PolicyFinding(BaseModel):
    kind: str
    line: int
    detail: str
    explanation: str = Field(description="the finding in one plain line")


class CheckCodeResult(BaseModel):
    ok: bool = Field(description="True when the API check found nothing and the policy lets it run without asking")
    api_ok: bool
    api_issues: list[ApiIssue]
    api_error: str | None = Field(None, description="the API check itself failed (then api_ok is false)")
    symbols_used: list[str] = Field(description="the MolSysSuite names the code uses (canonical)")
    runs_without_consent: bool = Field(description="the execution policy's verdict")
    policy_findings: list[PolicyFinding] = Field(description="what would need the user's explicit consent")


class PlanTaskResult(BaseModel):
    understood: bool = Field(description="False: no runnable plan; read message")
    message: str = Field(description="what was understood, or what was not")
    restatement: str = Field("", description="the plan in plain words")
    plan: dict | None = Field(None, description="the typed plan (steps and their arguments)")
    code: str = Field("", description="the rendered code (never run by this server)")
    engine: str = Field("mdtraj", description="the library the code is written for")
    files: list[str] = Field(default_factory=list, description="the files the plan reads")
    check: CheckCodeResult | None = Field(None, description="check_code's verdict on the code")
    unaccounted: list[str] = Field(default_factory=list, description="words of the request that no step explains")


class StructureInfo(BaseModel):
    path: str
    format: str
    atoms: int
    residues: int
    chains: int
    molecules: int | None = Field(None, description="connected groups of atoms (bonds from the file or residue templates)")
    frames: int | None
    box_nm: list[float] | None = Field(None, description="the box lengths a, b, c of the first frame in nm")
    box_angles_deg: list[float] | None = None
    time_step_ps: float | None = Field(None, description="time between frames, when the file stores times")
    residue_names: list[str] = Field(description="the distinct residue names, sorted")
    chain_ids: list[str]
