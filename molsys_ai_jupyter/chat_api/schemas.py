"""Request and response bodies: the contract the docs widget and JupyterLite client use.

A body that breaks them (bad JSON, a missing or extra field, a question over
``MAX_QUESTION_CHARS`` characters, more than ``MAX_TURNS`` turns) is answered 422."""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

from ..assistant.answer import MAX_QUESTION_CHARS

MAX_TURNS = 10


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Turn(Strict):
    role: Literal["user", "assistant"]
    content: str = Field(max_length=MAX_QUESTION_CHARS)


class ChatRequest(Strict):
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS,
                          description="the user's question (longer than the cap: 422)")
    history: list[Turn] = Field(default_factory=list, max_length=MAX_TURNS,
                                description="earlier turns of the conversation, oldest first")
    k: int = Field(3, ge=1, le=10, strict=True, description="documentation pages to read (a whole number)")
    project: Optional[str] = Field(None, max_length=64, description="only this project (molsysmt, pyunitwizard, …)")
    stream: bool = Field(False, description="true: text/event-stream of token, answer, done (or error, done)")


class RetrieveRequest(Strict):
    query: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    k: int = Field(5, ge=1, le=10, strict=True)
    project: Optional[str] = Field(None, max_length=64)


class FeedbackRequest(Strict):
    answer_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    rating: Literal["up", "down"]
    question: Optional[str] = Field(None, max_length=MAX_QUESTION_CHARS)
    comment: Optional[str] = Field(None, max_length=2000)
    page_url: Optional[str] = Field(None, max_length=2000)


class SourceOut(BaseModel):
    number: int
    title: str
    url: str
    path: str
    project: str


class ChatAnswer(BaseModel):
    """``Answer.to_dict()`` plus ``markdown`` and ``id``."""

    model_config = ConfigDict(extra="allow")
    id: str = Field(description="answer id, for POST /v1/feedback")
    question: str
    text: str
    markdown: str = Field(description="the answer with its sources as Markdown links")
    sources: list[SourceOut]
    cited: list[int]
    backend: str
    model: str
    timings: dict


class RetrieveHit(BaseModel):
    n: int
    title: str
    url: str
    project: str
    path: str
    score: float
    text: str


class RetrieveResponse(BaseModel):
    results: list[RetrieveHit]


class FeedbackSaved(BaseModel):
    ok: bool
    id: int


class ErrorBody(BaseModel):
    message: str
    hint: Optional[str] = None
    kind: str


class Health(BaseModel):
    status: str
    backend: str
    model: Optional[str]
    index: dict
