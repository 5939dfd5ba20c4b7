"""Use cases: plan a command (stored), execute it once through the gateway, undo it.

Nothing runs at planning time except reads (and, for a question, the answer query).
Execution calls ``Gateway.execute`` step by step as the asking user, with a rationale
naming the command; a step whose dependency did not execute is skipped. Steps run with
``origin="language"``: the gateway's risk policy then holds destructive steps for
approval (even when the tool's own risk is low), and
injection attempts are written to the audit log with the command.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from kith.access.principal import Principal
from kith.core.clock import utcnow
from kith.core.errors import Conflict, FieldError, KithError, NotFound, ValidationFailed
from kith.crm.service import RecordService
from kith.db.uow import UnitOfWork
from kith.events.types import DomainEvent, EventType
from kith.gateway.contracts import Rationale
from kith.gateway.decisions import to_json
from kith.gateway.gateway import Gateway, GatewayResult
from kith.gateway.preview import Preview
from kith.gateway.registry import ANY_OBJECT, Undo
from kith.language.llm import ToolChooser, propose
from kith.language.models import LanguageCommand
from kith.language.plan import ENGINE, MAX_CHARS, Plan
from kith.language.planner import Planner, StepPreview, detect_lang
from kith.language.questions.answer import answer as answer_question


def validate_text(text: str, lang: str | None) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise ValidationFailed(
            "The command is empty", [FieldError(["body", "text"], "type what you want Kith to do")]
        )
    if len(cleaned) > MAX_CHARS:
        raise ValidationFailed(
            f"The command is too long ({len(cleaned)} characters; the limit is {MAX_CHARS})",
            [
                FieldError(
                    ["body", "text"],
                    f"at most {MAX_CHARS} characters: split it into several commands, "
                    "or put long context into a note and refer to it",
                )
            ],
        )
    if lang is not None and lang not in ("zh", "en"):
        raise ValidationFailed("Unknown language", [FieldError(["body", "lang"], "zh or en")])
    return cleaned


class LanguageService:
    def __init__(
        self,
        uow: UnitOfWork,
        principal: Principal,
        gateway: Gateway,
        clock: Callable[[], datetime] = utcnow,
        model: ToolChooser | None = None,
    ) -> None:
        """``gateway``: the container's (``gateway_of(container)``) or a test's."""
        self.model = model
        self.uow = uow
        self.principal = principal
        self.gateway = gateway
        self.clock = clock

    # --- planning ------------------------------------------------------------------------

    def plan(
        self, text: str, lang: str | None = None, now: datetime | None = None
    ) -> dict[str, Any]:
        cleaned = validate_text(text, lang)
        lang = lang or detect_lang(cleaned)
        when = now or self.clock()
        planner = Planner(
            self.uow.session,
            self.principal,
            when,
            tz=self._timezone(),
            preview=step_preview(self.uow, self.principal, self.gateway),
        )
        plan = planner.plan(cleaned, lang)
        if self.model is not None:
            plan = propose(planner, plan, self.model)
        answer = None
        if plan.kind == "question":
            answer = answer_question(
                RecordService(self.uow, self.principal, self.clock), planner, plan
            )
        row = LanguageCommand(
            tenant_id=self.principal.tenant_id,
            user_id=self.principal.user_id or self.principal.id,
            text=cleaned,
            lang=lang,
            kind=plan.kind,
            status="answered" if answer is not None else plan.status,
            engine=plan.engine,
            now=when,
            plan=to_json({**plan.as_dict(), "answer": answer}),
            results=[],
            flags=plan.flags,
        )
        self.uow.session.add(row)
        self.uow.session.flush()
        if "prompt_injection" in plan.flags or "bulk_destructive_refused" in plan.flags:
            self.uow.audit(
                self.principal.tenant_id,
                self.principal.actor,
                "language.injection_attempt",
                "language_command",
                row.id,
                text=cleaned[:500],
                flags=plan.flags,
            )
        self._emit(row, EventType.LANGUAGE_COMMAND_PLANNED, f"{plan.kind}: {cleaned[:120]}")
        return present(row)

    def _timezone(self) -> str:
        from kith.access.models import User

        user = (
            self.uow.session.get(User, self.principal.user_id) if self.principal.user_id else None
        )
        return user.timezone if user is not None and user.timezone else "Asia/Shanghai"

    def _emit(self, row: LanguageCommand, event_type: EventType, summary: str) -> None:
        self.uow.emit(
            DomainEvent(
                type=event_type,
                tenant_id=row.tenant_id,
                subject_type="language_command",
                subject_id=row.id,
                actor=self.principal.actor,
                payload={"status": row.status, "kind": row.kind, "flags": list(row.flags)},
                summary=summary[:500],
                occurred_at=self.clock(),
            )
        )

    def get(self, command_id: str) -> LanguageCommand:
        row = self.uow.session.scalars(
            select(LanguageCommand).where(
                LanguageCommand.id == command_id,
                LanguageCommand.tenant_id == self.principal.tenant_id,
            )
        ).first()
        if row is None or row.user_id != (self.principal.user_id or self.principal.id):
            raise NotFound("no such command")
        return row

    # --- execution -------------------------------------------------------------------

    def execute(self, command_id: str, answers: dict[str, str] | None = None) -> dict[str, Any]:
        row = self.get(command_id)
        if row.kind == "question":
            raise Conflict("a question has nothing to execute; its answer is in the plan")
        if row.status not in ("planned", "needs_clarification"):
            raise Conflict(f"this command is {row.status}; it runs once")
        steps = [dict(s) for s in row.plan.get("steps", [])]
        answers = answers or {}
        for question in row.plan.get("questions", []):
            chosen = answers.get(question["id"], question.get("default"))
            if chosen is None:
                if question.get("blocking"):
                    raise ValidationFailed(
                        "Answer the plan's questions first",
                        [FieldError(["body", "answers", question["id"]], question["text"])],
                    )
                continue
            option = next((o for o in question.get("options", []) if o["value"] == chosen), None)
            if option is None:
                raise ValidationFailed(
                    "Not one of the options",
                    [
                        FieldError(
                            ["body", "answers", question["id"]],
                            f"one of {', '.join(o['value'] for o in question.get('options', []))}",
                        )
                    ],
                )
            patch = option.get("patch")
            if patch:
                steps[patch["step"]]["args"] = {
                    **steps[patch["step"]]["args"],
                    **{k: v for k, v in patch["args"].items() if v is not None},
                }
        if not steps:
            raise Conflict("the plan has no steps to execute")
        records = RecordService(self.uow, self.principal, self.clock)
        results: list[dict[str, Any]] = []
        done: set[int] = set()
        for step in steps:
            if any(d not in done for d in step.get("depends_on", [])):
                results.append(
                    {
                        "step": step["index"],
                        "status": "skipped",
                        "decision_id": None,
                        "approval_id": None,
                        "output": None,
                        "reason": "a step it depends on did not run",
                    }
                )
                continue
            before = self._before(records, step)
            result: GatewayResult = self.gateway.execute(
                self.uow,
                self.principal,
                step["tool"],
                step["args"],
                purpose=step["purpose"],
                idempotency_key=f"lang:{row.id}:{step['index']}",
                rationale=Rationale(
                    engine=row.engine if row.engine.startswith("llm:") else "rules",
                    engine_version=ENGINE,
                    summary=f"{row.text[:300]}",
                    inputs={"command_id": row.id, "step": step["index"]},
                ),
                origin="language",  # a destructive step waits for approval
            )
            if result.status == "executed":
                done.add(step["index"])
            results.append(
                {
                    "step": step["index"],
                    "status": result.status,
                    "decision_id": result.decision_id,
                    "approval_id": result.approval_id,
                    "output": dict(result.output) if result.output else None,
                    "reason": result.reason,
                    "before": before,
                }
            )
        statuses = {r["status"] for r in results}
        if statuses == {"executed"}:
            status = "executed"
        elif "executed" in statuses:
            status = "partially_executed"
        elif statuses <= {"pending_approval", "executed"}:
            status = "pending_approval"
        else:
            status = "failed"
        if "pending_approval" in statuses and status == "partially_executed":
            status = "partially_pending"
        row.status = status
        row.results = results
        row.executed_at = self.clock()
        row.plan = {**row.plan, "executed_steps": steps}
        self._emit(row, EventType.LANGUAGE_COMMAND_EXECUTED, f"{status}: {row.text[:120]}")
        return {"id": row.id, "status": status, "results": [_public(r) for r in results]}

    def _before(self, records: RecordService, step: dict[str, Any]) -> dict[str, Any] | None:
        """What a step that declares ``restore_previous`` will change, read before it runs."""
        undo = self._undo_of(step.get("tool"))
        if undo is None or undo.kind != "restore_previous":
            return None
        args = step["args"]
        try:
            object_type, record_id = _target(undo, args)
            record = records.get(object_type, record_id)
        except (KithError, KeyError):
            return None
        fields = undo.fields if undo.object_type != ANY_OBJECT else tuple(args.get("values", {}))
        return {k: record.get(k) for k in fields}

    def _undo_of(self, tool: Any) -> Undo | None:
        spec = self.gateway.registry.get(str(tool)) if tool else None
        return spec.undo if spec is not None else None

    # --- undo -----------------------------------------------------------------------

    def undo(self, command_id: str) -> dict[str, Any]:
        row = self.get(command_id)
        if row.status in ("undone",):
            raise Conflict("this command was already undone")
        if not row.results:
            raise Conflict("nothing of this command has run")
        steps = {s["index"]: s for s in row.plan.get("executed_steps", row.plan.get("steps", []))}
        records = RecordService(self.uow, self.principal, self.clock)
        out: list[dict[str, Any]] = []
        for result in reversed(row.results):
            step = steps.get(result["step"], {})
            if result["status"] == "pending_approval":
                out.append(_not_undone(result["step"], "waiting_approval"))
                continue
            if result["status"] != "executed":
                continue
            spec = self.gateway.registry.get(str(step.get("tool")))
            if spec is not None and spec.read_only:
                out.append(_not_undone(result["step"], "read_only", "nothing_to_undo"))
                continue
            call = self._inverse(records, step, result)
            if call is None:
                reached = spec is not None and spec.undo is None and spec.external_effect
                out.append(_not_undone(result["step"], "reached" if reached else "no_inverse"))
                continue
            tool, args = call
            res = self.gateway.execute(
                self.uow,
                self.principal,
                tool,
                args,
                purpose="crm_ui",
                rationale=Rationale(
                    engine="human", engine_version=ENGINE, summary=f"undo: {row.text[:300]}"
                ),
            )
            out.append(
                _undo_result(
                    result["step"],
                    "undone" if res.status == "executed" else res.status,
                    res.decision_id,
                    res.reason,
                )
            )
        row.status = "undone"
        row.undone_at = self.clock()
        row.plan = {**row.plan, "undo": out}
        self._emit(row, EventType.LANGUAGE_COMMAND_UNDONE, f"undone: {row.text[:120]}")
        return {"id": row.id, "status": "undone", "results": out}

    def _inverse(
        self, records: RecordService, step: dict[str, Any], result: dict[str, Any]
    ) -> tuple[str, dict[str, Any]] | None:
        """The call that reverses an executed step, from the undo its tool declares."""
        undo = self._undo_of(step.get("tool"))
        if undo is None:
            return None
        args = step["args"]
        output = result.get("output") or {}
        before = result.get("before") or {}
        try:
            if undo.kind == "inverse_tool":
                return undo.inverse, {f: output[f] for f in undo.fields}
            if undo.kind == "delete_created":
                object_type = _object_type(undo, args)
                record_id = output["id"] if "id" in output else output["record"]["id"]
                current = records.get(object_type, record_id)
                return "records.delete", {
                    "object_type": object_type,
                    "record_id": record_id,
                    "version": current["version"],
                }
            if undo.object_type == ANY_OBJECT:
                if not before:
                    return None
                current = records.get(args["object_type"], args["record_id"])
                return "records.update", {
                    "object_type": args["object_type"],
                    "record_id": args["record_id"],
                    "version": current["version"],
                    "values": before,
                }
            if not all(before.get(f) for f in undo.fields):
                return None
            id_arg = f"{undo.object_type}_id"
            return str(step["tool"]), {
                id_arg: args[id_arg],
                **{f: before[f] for f in undo.fields},
            }
        except (KithError, KeyError, TypeError):
            return None


def _object_type(undo: Undo, args: dict[str, Any]) -> str:
    return str(args["object_type"]) if undo.object_type == ANY_OBJECT else undo.object_type


def _target(undo: Undo, args: dict[str, Any]) -> tuple[str, str]:
    """The record a ``restore_previous`` step changes: (object type, id)."""
    if undo.object_type == ANY_OBJECT:
        return str(args["object_type"]), str(args["record_id"])
    return undo.object_type, str(args[f"{undo.object_type}_id"])


def _undo_result(
    step: int,
    status: str,
    decision_id: str | None,
    reason: str | None,
    reason_code: str | None = None,
) -> dict[str, Any]:
    return {
        "step": step,
        "status": status,
        "decision_id": decision_id,
        "approval_id": None,
        "output": None,
        "reason": reason,
        "reason_code": reason_code,
    }


# Why a step was not undone: a code the UI words in the reader's language, and the
# English sentence API callers read.
NOT_UNDONE = {
    "waiting_approval": "waiting for approval; reject it in Approvals",
    "read_only": "it only read data: there is nothing to undo",
    "reached": "it already reached someone outside Kith",
    "no_inverse": "this kind of step has no undo",
}


def _not_undone(step: int, code: str, status: str = "not_reversible") -> dict[str, Any]:
    return _undo_result(step, status, None, NOT_UNDONE[code], code)


def _public(result: dict[str, Any]) -> dict[str, Any]:
    return {
        k: result.get(k)
        for k in ("step", "status", "decision_id", "approval_id", "output", "reason", "reason_code")
    }


def present(row: LanguageCommand) -> dict[str, Any]:
    plan = row.plan
    return {
        "id": row.id,
        "text": row.text,
        "lang": row.lang,
        "kind": row.kind,
        "entities": plan.get("entities", []),
        "intents": plan.get("intents", []),
        "steps": plan.get("steps", []),
        "questions": [dict(q) for q in plan.get("questions", [])],
        "answer": plan.get("answer"),
        "status": row.status,
        "warnings": plan.get("warnings", []),
        "flags": list(row.flags),
        "now": row.now.isoformat(),
        "engine": row.engine,
    }


def step_preview(uow: UnitOfWork, principal: Principal, gateway: Gateway) -> StepPreview:
    """How the planner asks the gateway what a step would do (``Gateway.preview``, as the
    call ``execute`` will make: this user, a plan made from text)."""

    def preview(tool: str, args: Mapping[str, Any], purpose: str) -> Preview:
        return gateway.preview(uow, principal, tool, args, purpose=purpose, origin="language")

    return preview


def plan_only(
    uow: UnitOfWork,
    principal: Principal,
    text: str,
    lang: str | None,
    now: datetime,
    gateway: Gateway,
) -> Plan:
    """Planning without storing (the benchmark and the development set)."""
    return plan_and_answer(uow, principal, text, lang, now, gateway, answer=False)[0]


def plan_and_answer(
    uow: UnitOfWork,
    principal: Principal,
    text: str,
    lang: str | None,
    now: datetime,
    gateway: Gateway,
    *,
    answer: bool = True,
) -> tuple[Plan, dict[str, Any] | None]:
    """The plan without storing it, and a question's answer as ``kith ask`` gives it
    (the development sets score the numbers and names a person would read)."""
    cleaned = validate_text(text, lang)
    preview = step_preview(uow, principal, gateway)
    planner = Planner(uow.session, principal, now, preview=preview)
    plan = planner.plan(cleaned, lang or detect_lang(cleaned))
    if not answer or plan.kind != "question":
        return plan, None
    records = RecordService(uow, principal, lambda: now)
    return plan, answer_question(records, planner, plan)
