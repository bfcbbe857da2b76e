"""RFC 9457 problem details, with plmsync's stable error code and remedy."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from plmsync.domain.issues import CATALOGUE, Issue


class IssueOut(BaseModel):
    code: str
    severity: str
    message: str
    object_kind: str
    object_key: str
    plant: str = ""
    remedy: str = ""

    @classmethod
    def of(cls, issue: Issue) -> IssueOut:
        rule = CATALOGUE.get(issue.code)
        return cls(
            code=issue.code,
            severity=str(issue.severity),
            message=issue.message,
            object_kind=issue.object_kind,
            object_key=issue.object_key,
            plant=issue.plant,
            remedy=rule.remedy if rule else "",
        )


class Problem(BaseModel):
    """Every error answer (`application/problem+json`); never a stack trace."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="urn:plmsync:error:<code>")
    title: str = Field(description="The HTTP status phrase.")
    status: int
    code: str = Field(description="Stable error code (docs/errors.md).")
    message: str
    detail: str = Field(description="Same as message (RFC 9457).")
    remedy: str = ""
    issues: list[IssueOut] | None = Field(
        default=None, description="Validation failures: every issue of the package."
    )
    problems: list[str] | None = Field(
        default=None, description="A package that cannot be read: every problem found."
    )
    error: str | None = Field(default=None, description="OAuth2 error name (token endpoint).")
