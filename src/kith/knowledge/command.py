"""``kith kb ...``: knowledge spaces and documents, and questions to them.

``kith kb add FILE… --space S`` publishes each file as a new version of the
document named after it (the same content again is a no-op); ``kith kb list``
shows spaces, documents and versions; ``kith kb ask "…"`` answers from the
spaces the user may read (``--as`` a user; default: the workspace as the system).
Bad input exits 2 and nothing of that file is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from kith.clikit import JsonFlag, TenantOpt, fail, fail_kith, open_container, report
from kith.core.errors import KithError

kb_app = typer.Typer(help="Knowledge spaces, documents and answers.", no_args_is_help=True)

AsUser = Annotated[str | None, typer.Option("--as", help="Act as this user (email).")]


def _principal(uow: Any, tenant: str, as_user: str | None) -> Any:
    from kith.clikit import person_or_system

    return person_or_system(uow, tenant, as_user, "kith kb")


def _service(uow: Any, principal: Any) -> Any:
    from kith.knowledge.service import KnowledgeService

    return KnowledgeService(uow, principal)


@kb_app.command("space")
def space_command(
    name: Annotated[str, typer.Argument(help="Name of the new space.")],
    visibility: Annotated[str, typer.Option(help="public, internal or team.")] = "internal",
    team_id: Annotated[str | None, typer.Option("--team-id", help="For a team space.")] = None,
    tenant: TenantOpt = "default",
    as_user: AsUser = None,
    as_json: JsonFlag = False,
) -> None:
    """Create a knowledge space."""
    container = open_container(migrated=True)
    with container.uow() as uow:
        service = _service(uow, _principal(uow, tenant, as_user))
        try:
            space = service.create_space(name, visibility, team_id=team_id)
        except KithError as exc:
            fail_kith(exc)
        data = {"id": space.id, "name": space.name, "visibility": space.visibility}
        uow.commit()
    report(data, as_json, f"space {data['name']} ({data['visibility']})")


@kb_app.command("add")
def add_command(
    files: Annotated[list[Path], typer.Argument(help="Files to publish.")],
    space: Annotated[str, typer.Option("--space", help="Space name or id.")],
    language: Annotated[str | None, typer.Option(help="zh, en or mixed.")] = None,
    owner: Annotated[str | None, typer.Option(help="Owner of the documents.")] = None,
    tenant: TenantOpt = "default",
    as_user: AsUser = None,
    as_json: JsonFlag = False,
) -> None:
    """Publish FILE… to a space, each as a new version (identical content: no-op)."""
    container = open_container(migrated=True)
    out = []
    for path in files:
        if not path.is_file():
            fail(f"no such file: {path}")
        with container.uow() as uow:
            service = _service(uow, _principal(uow, tenant, as_user))
            try:
                published = service.add_document(
                    space, path.name, path.read_bytes(), language=language, owner=owner
                )
            except KithError as exc:
                fail_kith(exc)
            out.append(
                {
                    "file": str(path),
                    "document": published.document.title,
                    "version": published.version.number,
                    "created": published.created,
                    "chunks": published.chunks,
                }
            )
            uow.commit()
    lines = [
        f"{o['file']}: {o['document']} v{o['version']}"
        + (f" ({o['chunks']} passages)" if o["created"] else " (unchanged)")
        for o in out
    ]
    report(out, as_json, "\n".join(lines))


@kb_app.command("list")
def list_command(
    space: Annotated[str | None, typer.Option("--space", help="Only this space.")] = None,
    tenant: TenantOpt = "default",
    as_user: AsUser = None,
    as_json: JsonFlag = False,
) -> None:
    """Spaces, documents and their versions."""
    container = open_container(migrated=True)
    with container.uow() as uow:
        service = _service(uow, _principal(uow, tenant, as_user))
        try:
            spaces = [
                {"id": s.id, "name": s.name, "visibility": s.visibility} for s in service.spaces()
            ]
            documents = service.documents(space)
        except KithError as exc:
            fail_kith(exc)
    lines = [f"[{s['name']}] {s['visibility']}" for s in spaces] + [
        f"  {d['space']} / {d['title']}: "
        + ", ".join(f"v{v['number']} {v['status']}" for v in d["versions"])
        for d in documents
    ]
    report({"spaces": spaces, "documents": documents}, as_json, "\n".join(lines) or "empty")


@kb_app.command("ask")
def ask_command(
    question: Annotated[str, typer.Argument(help="The question.")],
    space: Annotated[list[str] | None, typer.Option("--space", help="Only these spaces.")] = None,
    tenant: TenantOpt = "default",
    as_user: AsUser = None,
    as_json: JsonFlag = False,
) -> None:
    """Answer from the knowledge base, with citations, or abstain."""
    from kith.knowledge.schemas import answer_out

    container = open_container(migrated=True)
    with container.uow() as uow:
        service = _service(uow, _principal(uow, tenant, as_user))
        try:
            answer = service.answer(question, spaces=space or ())
        except KithError as exc:
            fail_kith(exc)
    data = answer_out(answer).model_dump(mode="json")
    lines = [f"[{data['status']}] confidence {data['confidence']}", data["text"]]
    lines += [
        f"  — {c['document']} v{c['version']} › {c['section']}"
        + (f" §{c['clause']}" if c["clause"] else "")
        for c in data["citations"]
    ]
    report(data, as_json, "\n".join(lines))
